package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/connevents/connevents/server/fasten"
)

// fastenSend posts a realistic, signed delivery, like Fasten's webhook
// simulator: to test a deployment, or to watch an event arrive.
func fastenSend(args []string) error {
	fs := newFlagSet("fasten send", nil)
	url := fs.String("url", "http://127.0.0.1:8080/v1/webhooks/fasten", "webhook URL")
	secret := fs.String("secret", "", "signing secret whsec_… (default: the first of $CONNEVENTS_FASTEN_WEBHOOK_SECRETS)")
	typ := fs.String("type", fasten.TypeWebhookTest, "event type: "+strings.Join(fasten.EventTypes(), ", "))
	variant := fs.String("variant", "", "variant of the type (connection_success: authorized, rejected, revoked, tefca; ehi_export_success: download_links, download_link; ehi_export_failed: its failure_reason)")
	mode := fs.String("mode", "test", "api_mode: test or live")
	id := fs.String("id", "", "envelope id (default: a new UUID; reuse one to send a retry)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *secret == "" {
		*secret, _, _ = strings.Cut(os.Getenv("CONNEVENTS_FASTEN_WEBHOOK_SECRETS"), ",")
	}
	if *secret == "" {
		return errNoSecret
	}
	body, err := fasten.Sample(*typ, fasten.WithVariant(*variant), fasten.WithAPIMode(*mode), fasten.WithID(*id))
	if err != nil {
		return err
	}
	return postSigned(*url, *secret, body)
}

// errNoSecret: without a secret the delivery would be unsigned, and a
// receiver that verifies signatures refuses it.
var errNoSecret = errors.New("no signing secret: pass --secret whsec_… or set CONNEVENTS_FASTEN_WEBHOOK_SECRETS " +
	"to a secret the receiver has in --fasten-webhook-secrets (`connevents fasten secret` makes one); nothing was sent")

// postSigned posts body signed with secret and prints the answer.
func postSigned(url, secret string, body []byte) error {
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	h, err := fasten.SignedHeaders(secret, body, time.Now())
	if err != nil {
		return err
	}
	req.Header.Set(fasten.HeaderID, h.ID)
	req.Header.Set(fasten.HeaderTimestamp, h.Timestamp)
	req.Header.Set(fasten.HeaderSignature, h.Signature)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	fmt.Printf("%s\n%s\n", resp.Status, bytes.TrimSpace(answer))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("the receiver answered %s", resp.Status)
	}
	return nil
}

// fastenSecret prints a new signing secret.
func fastenSecret(args []string) error {
	fs := newFlagSet("fasten secret", nil)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	s, err := fasten.NewSecret()
	if err != nil {
		return err
	}
	fmt.Println(s)
	return nil
}
