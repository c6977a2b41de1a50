package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// EndpointAuth is how epj-load authenticates to one target: harness/workload/load-auth.ts writes it from the stack
// definition's link auth (harness/stack/link-auth.ts). The config holds names and paths only: a token lives in
// epj-load's own environment, under the name given here, because the config may be printed.
type EndpointAuth struct {
	// BearerTokenEnv names the variable of epj-load's environment that holds the token (EPJ_LOAD_TOKEN_<n>).
	BearerTokenEnv string `json:"bearerTokenEnv,omitempty"`
	// TLS makes the target https with this trust and client certificate.
	TLS *EndpointTLS `json:"tls,omitempty"`
}

// EndpointTLS names PEM files by absolute path, and the name the server's certificate must carry.
type EndpointTLS struct {
	CA         string `json:"ca,omitempty"`
	Cert       string `json:"cert,omitempty"`
	Key        string `json:"key,omitempty"`
	ServerName string `json:"serverName,omitempty"`
}

// tokenEnvRe is the only kind of variable a config may name: the environment is empty but for these.
var tokenEnvRe = regexp.MustCompile(`^EPJ_LOAD_TOKEN_[0-9]{1,4}$`)

// bearerTokenRe is what a token may hold: visible ASCII, so it can never break the header it goes in.
var bearerTokenRe = regexp.MustCompile(`^[\x21-\x7e]+$`)

// authProblems checks the auth part of a config against its targets (ParseConfig lists them with the rest).
func authProblems(c *Config) []string {
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	for _, fn := range sortedKeys(c.Auth) {
		a := c.Auth[fn]
		if !isFunction(fn) {
			add("auth: unknown clinical function %q (known: %s)", fn, strings.Join(Functions, ", "))
			continue
		}
		target, ok := c.Targets[fn]
		if !ok {
			add("auth.%s: targets.%s is missing", fn, fn)
		}
		if a.BearerTokenEnv == "" && a.TLS == nil {
			add("auth.%s: give bearerTokenEnv, tls, or both", fn)
		}
		if a.BearerTokenEnv != "" && !tokenEnvRe.MatchString(a.BearerTokenEnv) {
			add("auth.%s.bearerTokenEnv %q: must be EPJ_LOAD_TOKEN_<n>, a variable of epj-load's own environment", fn, a.BearerTokenEnv)
		}
		if a.TLS == nil {
			continue
		}
		if ok && !strings.HasPrefix(target, "https://") {
			add("auth.%s.tls: targets.%s %q must be an https:// URL", fn, fn, target)
		}
		if (a.TLS.Cert == "") != (a.TLS.Key == "") {
			add("auth.%s.tls: a client certificate needs both cert and key", fn)
		}
		for field, p := range map[string]string{"ca": a.TLS.CA, "cert": a.TLS.Cert, "key": a.TLS.Key} {
			if p != "" && !filepath.IsAbs(p) {
				add("auth.%s.tls.%s %q: must be an absolute path", fn, field, p)
			}
		}
	}
	return problems
}

// credentials is one target's auth, read: the Authorization header's value and the TLS client configuration.
// The token is kept here and in outgoing requests only: never printed, never in a line or the summary.
type credentials struct {
	authorization string
	tls           *tls.Config
}

// loadCredentials reads every target's token (from getenv: epj-load's environment) and TLS files, before any
// request: a missing token or an unreadable file is a config error (exit 2), named by function and field.
func loadCredentials(c *Config, getenv func(string) string) (map[string]*credentials, error) {
	out := map[string]*credentials{}
	var problems []string
	add := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	for _, fn := range sortedKeys(c.Auth) {
		a := c.Auth[fn]
		cr := &credentials{}
		if a.BearerTokenEnv != "" {
			// the value never goes into a message
			switch token := getenv(a.BearerTokenEnv); {
			case token == "":
				add("auth.%s.bearerTokenEnv: %s is not set in epj-load's environment", fn, a.BearerTokenEnv)
			case !bearerTokenRe.MatchString(token):
				add("auth.%s.bearerTokenEnv: %s holds characters a bearer token cannot have", fn, a.BearerTokenEnv)
			default:
				cr.authorization = "Bearer " + token
			}
		}
		if a.TLS != nil {
			cfg, errs := tlsConfig(a.TLS)
			for _, e := range errs {
				add("auth.%s.tls.%s", fn, e)
			}
			cr.tls = cfg
		}
		out[fn] = cr
	}
	if len(problems) > 0 {
		return nil, &configError{"invalid epj-load credentials:\n  - " + strings.Join(problems, "\n  - ")}
	}
	return out, nil
}

// tlsConfig builds the client side of TLS: the CA pool (the system's when none is named), the client certificate,
// the server name. Each problem starts with the field it is about.
func tlsConfig(t *EndpointTLS) (*tls.Config, []string) {
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: t.ServerName}
	var problems []string
	if t.CA != "" {
		pem, err := os.ReadFile(t.CA)
		pool := x509.NewCertPool()
		switch {
		case err != nil:
			problems = append(problems, fmt.Sprintf("ca: %v", err))
		case !pool.AppendCertsFromPEM(pem):
			problems = append(problems, fmt.Sprintf("ca: %s holds no PEM certificate", t.CA))
		default:
			cfg.RootCAs = pool
		}
	}
	if t.Cert != "" && t.Key != "" {
		pair, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			problems = append(problems, fmt.Sprintf("cert: %s with key %s: %v", t.Cert, t.Key, err))
		} else {
			cfg.Certificates = []tls.Certificate{pair}
		}
	}
	return cfg, problems
}

// tlsConfig is the target's TLS configuration, or nil for the default (and for plain http).
func (c *credentials) tlsConfig() *tls.Config {
	if c == nil || c.tls == nil {
		return nil
	}
	return c.tls.Clone()
}

// wrap adds the bearer token to every request next sends (each request of a multi-request attempt, too).
func (c *credentials) wrap(next http.RoundTripper) http.RoundTripper {
	if c == nil || c.authorization == "" {
		return next
	}
	return &bearerTransport{next: next, authorization: c.authorization}
}

type bearerTransport struct {
	next          http.RoundTripper
	authorization string
}

// RoundTrip sends a copy of req with the Authorization header: a RoundTripper must not change its request.
func (b *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.Header.Set("Authorization", b.authorization)
	return b.next.RoundTrip(req)
}
