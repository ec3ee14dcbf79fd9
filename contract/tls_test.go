package contract_test

import (
	"encoding/pem"
	"errors"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/connreq/connreq"
	"github.com/connreq/connreq/contract"
)

// TLS: an untrusted certificate makes the target unreachable; --insecure or --ca-cert
// make it checkable.
func TestTLS(t *testing.T) {
	t.Parallel()
	ts := httptest.NewUnstartedServer(&fake{})
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(ts.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ts.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o600); err != nil {
		t.Fatal(err)
	}
	doc, err := connreq.Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		cfg         contract.Config
		unreachable bool
	}{
		{name: "untrusted certificate", unreachable: true},
		{name: "insecure", cfg: contract.Config{Insecure: true}},
		{name: "ca-cert", cfg: contract.Config{CACert: caFile}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := tt.cfg
			cfg.Target, cfg.Token, cfg.User = ts.URL, fakeToken, "42"
			r, err := contract.New(doc, cfg)
			if err != nil {
				t.Fatal(err)
			}
			rep, err := r.Run(t.Context())
			if tt.unreachable {
				if !errors.Is(err, contract.ErrUnreachable) || !strings.Contains(err.Error(), "certificate") {
					t.Fatalf("Run error = %v, want unreachable because of the certificate", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := rep.Err(); err != nil {
				t.Fatalf("%v\n%s", err, textOf(t, rep))
			}
		})
	}
}
