package itwin

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// APIError is a non-2xx answer of the platform, decoded from the error envelope (internal/wire/testdata/spec/api.md §1.6). Clients branch on
// Status plus Code; Message is for humans.
type APIError struct {
	Status  int
	Code    string
	Message string
	Target  string
	Details []wire.ErrorDetail
	// Method and Path name the request (Path is redacted: no pre-signed query strings).
	Method, Path string
}

// CodeUnknown is the code of an error whose body is not the platform envelope (§8.1).
const CodeUnknown = "Unknown"

// Error reads well inside a diagnostic, e.g.
// "422 InvalidStorageConnectionRequest: Cannot perform operation. (iModelId: iModelId is required.)".
func (e *APIError) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	var parts []string
	if e.Target != "" {
		parts = append(parts, "target "+e.Target)
	}
	for _, d := range e.Details {
		label, msg := cmp.Or(d.Target, d.Code), cmp.Or(d.Message, d.Code)
		if label != "" && label != msg {
			msg = label + ": " + msg
		}
		parts = append(parts, msg)
	}
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, "; ") + ")"
	}
	return s
}

// AsAPIError returns the *APIError in err's chain.
func AsAPIError(err error) (*APIError, bool) { return errors.AsType[*APIError](err) }

// IsStatus reports whether err is an API error with this HTTP status.
func IsStatus(err error, status int) bool {
	e, ok := AsAPIError(err)
	return ok && e.Status == status
}

// IsNotFound reports a 404 answer (the object, or its parent, does not exist).
func IsNotFound(err error) bool { return IsStatus(err, http.StatusNotFound) }

// IsConflict reports a 409 answer.
func IsConflict(err error) bool { return IsStatus(err, http.StatusConflict) }

// ErrorCode returns the platform error code of err, or "" when err is not an API error.
func ErrorCode(err error) string {
	if e, ok := AsAPIError(err); ok {
		return e.Code
	}
	return ""
}

// IsTransient reports errors worth retrying later: 429, 5xx and transport failures. 404 and other 4xx answers,
// authentication failures and cancelled contexts are not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if e, ok := AsAPIError(err); ok {
		return e.Status == http.StatusTooManyRequests || e.Status >= 500
	}
	_, ok := errors.AsType[*TransportError](err)
	return ok
}

// newAPIError decodes an error answer. A body that is not the envelope (an old gateway, a proxy, a blob store)
// becomes code Unknown with a redacted snippet of the body.
func newAPIError(method, rawURL string, status int, body []byte) *APIError {
	e := &APIError{Status: status, Method: method, Path: RedactURL(rawURL)}
	var env wire.ErrorEnvelope
	if err := json.Unmarshal(body, &env); err == nil && env.Error.Code != "" {
		e.Code, e.Target, e.Details = env.Error.Code, env.Error.Target, env.Error.Details
		e.Message = redactText(env.Error.Message)
		for i := range e.Details {
			e.Details[i].Message = redactText(e.Details[i].Message)
		}
		return e
	}
	e.Code = CodeUnknown
	// The legacy gateway shape {"statusCode":401,"message":"…"} (§8.1) still has a readable message.
	var legacy struct {
		Message string `json:"message"`
	}
	switch {
	case json.Unmarshal(body, &legacy) == nil && legacy.Message != "":
		e.Message = redactText(legacy.Message)
	case len(strings.TrimSpace(string(body))) > 0:
		e.Message = snippet(body)
	default:
		e.Message = http.StatusText(status)
	}
	return e
}

// TransportError is a request that got no HTTP answer (connection refused, reset, timeout). Its text is
// redacted, so a pre-signed URL never leaks through it.
type TransportError struct {
	Method string
	URL    string // redacted
	Err    error
}

func (e *TransportError) Error() string {
	return fmt.Sprintf("%s %s: %s", e.Method, e.URL, redactText(e.Err.Error()))
}

func (e *TransportError) Unwrap() error { return e.Err }

// AuthError is a failure to obtain an access token. Its text never contains the client secret.
type AuthError struct {
	TokenURL string
	// Code is the OAuth2 error code (invalid_client, invalid_scope, …) when the endpoint sent one.
	Code    string
	Message string
	Err     error // the underlying cause, for errors.Is (e.g. context cancellation); may be nil
}

func (e *AuthError) Error() string {
	return fmt.Sprintf("obtaining an access token from %s: %s", e.TokenURL, e.Message)
}

func (e *AuthError) Unwrap() error { return e.Err }

// StartUncertainError means a run-start POST may or may not have created a run: the request failed in transit,
// the context ended while it was in flight, or the server answered 5xx. The POST is never retried blindly (a
// retry could start a second run); the caller should read the connection's lastRun before trying again.
type StartUncertainError struct {
	ConnectionID string
	Err          error
}

func (e *StartUncertainError) Error() string {
	return fmt.Sprintf("starting a run on connection %s: the outcome is unknown, a run may have started (check the connection's last run before retrying): %s", e.ConnectionID, e.Err)
}

func (e *StartUncertainError) Unwrap() error { return e.Err }
