package itwin

import (
	"cmp"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenSource yields the bearer token of one request.
type tokenSource interface {
	token(ctx context.Context) (string, error)
}

// staticToken is a caller-supplied access token (provider attribute access_token).
type staticToken string

func (s staticToken) token(context.Context) (string, error) { return string(s), nil }

const (
	// refreshMargin: a token is renewed this long before it expires, so a request never leaves with a token
	// that dies in flight.
	refreshMargin = 60 * time.Second
	// unknownLifetime is assumed when the endpoint gives neither expires_in nor a JWT exp.
	unknownLifetime = 10 * time.Minute
)

// clientCredentials fetches tokens with the OAuth2 client-credentials grant and caches them until shortly before
// they expire. The fetch uses the caller's context, so a cancelled apply does not hang on the token endpoint.
type clientCredentials struct {
	conf     clientcredentials.Config
	hc       *http.Client
	tokenURL string // redacted, for messages
	now      func() time.Time

	mu      sync.Mutex
	current string
	expiry  time.Time
}

func newClientCredentials(cfg Config, hc *http.Client) *clientCredentials {
	return &clientCredentials{
		conf: clientcredentials.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			TokenURL:     cfg.TokenURL,
			Scopes:       cfg.Scopes,
			// Auto-detect tries HTTP Basic, then credentials in the form; the spec allows both (§9.1).
			AuthStyle: oauth2.AuthStyleAutoDetect,
		},
		hc:       hc,
		tokenURL: RedactURL(cfg.TokenURL),
		now:      time.Now,
	}
}

func (s *clientCredentials) token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current != "" && s.now().Add(refreshMargin).Before(s.expiry) {
		return s.current, nil
	}
	tok, err := s.conf.Token(context.WithValue(ctx, oauth2.HTTPClient, s.hc))
	if err != nil {
		return "", s.describe(ctx, err)
	}
	if tok.AccessToken == "" {
		return "", &AuthError{TokenURL: s.tokenURL, Message: "the token endpoint returned no access_token"}
	}
	s.current, s.expiry = tok.AccessToken, cmp.Or(tok.Expiry, jwtExpiry(tok.AccessToken), s.now().Add(unknownLifetime))
	return s.current, nil
}

// invalidate forgets tok if it is still the cached token, so the next call fetches a new one (or uses the one
// another request already renewed). It reports that a retry may succeed.
func (s *clientCredentials) invalidate(tok string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.current == tok {
		s.current, s.expiry = "", time.Time{}
	}
	return true
}

// describe turns a token failure into a readable error that never contains the client secret.
func (s *clientCredentials) describe(ctx context.Context, err error) error {
	scrub := func(msg string) string {
		msg = redactText(msg)
		if s.conf.ClientSecret != "" {
			msg = strings.ReplaceAll(msg, s.conf.ClientSecret, redacted)
		}
		return msg
	}
	ae := &AuthError{TokenURL: s.tokenURL}
	var re *oauth2.RetrieveError
	switch {
	case ctx.Err() != nil:
		ae.Message, ae.Err = ctx.Err().Error(), ctx.Err()
	case errors.As(err, &re):
		ae.Code = re.ErrorCode
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		switch {
		case re.ErrorCode != "" && re.ErrorDescription != "":
			ae.Message = fmt.Sprintf("%s: %s", re.ErrorCode, scrub(re.ErrorDescription))
		case re.ErrorCode != "":
			ae.Message = re.ErrorCode
		default:
			ae.Message = fmt.Sprintf("HTTP %d: %s", status, scrub(snippet(re.Body)))
		}
		if status != 0 && re.ErrorCode != "" {
			ae.Message += fmt.Sprintf(" (HTTP %d)", status)
		}
		if re.ErrorCode == "invalid_client" {
			ae.Message += "; check client_id and client_secret"
		}
	default:
		ae.Message, ae.Err = scrub(err.Error()), err
		if te, ok := errors.AsType[*TransportError](err); ok {
			ae.Err = te
		}
	}
	return ae
}

// jwtExpiry reads the exp claim of a JWT without verifying it (the client only needs to know when to renew).
func jwtExpiry(tok string) time.Time {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return time.Time{}
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return time.Time{}
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil || claims.Exp <= 0 {
		return time.Time{}
	}
	return time.Unix(int64(claims.Exp), 0)
}
