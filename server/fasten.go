package server

import (
	conneventsv1 "github.com/connevents/connevents/gen/connevents/v1"
	"github.com/connevents/connevents/server/fasten"
)

// fastenVerifier returns the webhook verifier. Without secrets it refuses
// every delivery, unless the operator turned verification off.
func (s *Server) fastenVerifier() (*fasten.Verifier, error) {
	if s.cfg.FastenInsecureNoVerify {
		s.logger.Warn("Fasten webhook signatures are NOT verified (--fasten-insecure-no-verify): anyone can inject events; use only for local development")
	}
	if s.cfg.FastenInsecureNoVerify || len(s.cfg.FastenWebhookSecrets) > 0 {
		s.board.Enable(conneventsv1.Source_SOURCE_FASTEN)
	} else {
		s.logger.Warn("no Fasten webhook secrets: every Fasten delivery will be refused (401); make one with `connevents fasten secret` and pass it with --fasten-webhook-secrets (CONNEVENTS_FASTEN_WEBHOOK_SECRETS)")
	}
	return fasten.NewVerifier(s.cfg.FastenWebhookSecrets)
}
