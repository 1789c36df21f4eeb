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
	}
	return fasten.NewVerifier(s.cfg.FastenWebhookSecrets)
}
