package itwin

import (
	"net/http"
	"time"
)

// Config is everything NewClient needs. The provider fills it from its block and ITWIN_* variables.
type Config struct {
	// APIURL is the origin of every API (no path), e.g. https://api.bentley.com or http://127.0.0.1:8085.
	APIURL string
	// TokenURL is the OAuth2 token endpoint used with client credentials.
	TokenURL string
	// ClientID and ClientSecret select client-credentials auth.
	ClientID     string
	ClientSecret string
	// Scopes requested with client credentials (default ["itwin-platform"]).
	Scopes []string
	// AccessToken is a static bearer token, an alternative to client credentials.
	AccessToken string
	// MaxRetries bounds retries of retryable requests.
	MaxRetries int
	// RequestTimeout bounds one HTTP attempt.
	RequestTimeout time.Duration
	// UserAgent names the provider and its version.
	UserAgent string
	// HTTPClient, when set, is the base client (its Transport is used); tests inject one.
	HTTPClient *http.Client
	// RetryWaitMin and RetryWaitMax bound the backoff between retries (defaults 1s and 30s).
	RetryWaitMin, RetryWaitMax time.Duration
	// Limiter paces API requests after a 429 (limiter.go). Nil: the one limiter this process keeps for the API
	// origin and identity, shared by every client built with them.
	Limiter *Limiter
}

// AuthMode names the authentication method, for logs (never the secret itself).
func (c Config) AuthMode() string {
	if c.AccessToken != "" {
		return "access_token"
	}
	return "client_credentials"
}
