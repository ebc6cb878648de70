package itwin

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Redaction keeps secrets out of logs and error messages. Pre-signed URLs (Storage upload/download URLs, SAS URIs
// of reports, manifest file URLs) are bearer credentials: whoever holds the query string can read or write the
// blob. Tokens and client secrets must never appear either.

const redacted = "REDACTED"

// presignKeys mark a URL as pre-signed: when one of them is present, every query value is redacted.
var presignKeys = map[string]bool{
	"sig": true, "signature": true, "x-amz-signature": true, "x-goog-signature": true, "token": true,
	"access_token": true, "code": true,
}

// secretKeys are redacted wherever they appear.
var secretKeys = map[string]bool{
	"sig": true, "signature": true, "token": true, "access_token": true, "id_token": true, "refresh_token": true,
	"client_secret": true, "password": true, "secret": true, "se": true, "st": true, "sp": true, "sv": true,
	"skoid": true, "sktid": true, "skt": true, "ske": true, "sks": true, "skv": true, "code": true,
	"x-amz-signature": true, "x-amz-credential": true, "x-amz-security-token": true, "x-goog-signature": true,
	"x-goog-credential": true, "key": true, "api_key": true, "apikey": true,
}

// RedactURL returns the URL with secrets replaced by REDACTED: a user-info password, sensitive query values
// (sig=, token=, se=, client_secret=, …), and every query value of a pre-signed URL. Plain API queries such as
// $top or imodelId are kept so logs stay useful. Unparseable input is scrubbed as text.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return redactPairs(raw)
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), redacted)
		}
	}
	u.RawQuery = redactQuery(u.RawQuery)
	u.Fragment, u.RawFragment = redactQuery(u.Fragment), ""
	return u.String()
}

// redactQuery redacts a raw query string in place, keeping the order and spelling of its keys.
func redactQuery(q string) string {
	if q == "" {
		return q
	}
	parts := strings.Split(q, "&")
	all := slices.ContainsFunc(parts, func(p string) bool { return presignKeys[queryKey(p)] })
	for i, p := range parts {
		if k, _, hasValue := strings.Cut(p, "="); hasValue && (all || secretKeys[queryKey(p)]) {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

func queryKey(pair string) string {
	k, _, _ := strings.Cut(pair, "=")
	if dk, err := url.QueryUnescape(k); err == nil {
		k = dk
	}
	return strings.ToLower(k)
}

var (
	urlInText    = regexp.MustCompile(`[a-zA-Z][a-zA-Z0-9+.-]*://[^\s"'<>]+`)
	bearerInText = regexp.MustCompile(`(?i)\b(bearer|basic)\s+[A-Za-z0-9\-._~+/]+=*`)
	pairInText   = regexp.MustCompile(`(?i)\b(sig|signature|token|access_token|refresh_token|id_token|client_secret|password|secret|se|x-amz-signature|x-amz-credential|x-amz-security-token)=[^&\s"']+`)
	jwtInText    = regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*`)
	// jsonSecretInText matches a JSON member holding a secret (a webhook's "secret" in a create answer or
	// request, a token answer), also when a snippet cut it off before its closing quote.
	jsonSecretInText = regexp.MustCompile(`(?i)"(secret|client_secret|password|access_token|refresh_token|id_token)"(\s*:\s*)"(?:[^"\\]|\\.)*"?`)
)

// RedactText scrubs free text that came from the server or the network before it reaches state, diagnostics or
// logs: URLs lose their secret query values (pre-signed URLs lose all of them), and bearer credentials,
// key=value secrets and JWTs are replaced by REDACTED. The provider applies it to run and task error text, which
// the service writes freely and may quote a manifest file's pre-signed URL in.
func RedactText(s string) string { return redactText(s) }

// redactText scrubs free text (error messages, response snippets): URLs go through RedactURL, and bearer
// credentials, key=value secrets and JWTs are replaced.
func redactText(s string) string {
	s = urlInText.ReplaceAllStringFunc(s, RedactURL)
	s = bearerInText.ReplaceAllString(s, "$1 "+redacted)
	s = jwtInText.ReplaceAllString(s, redacted)
	s = jsonSecretInText.ReplaceAllString(s, `"$1"$2"`+redacted+`"`)
	return redactPairs(s)
}

func redactPairs(s string) string {
	return pairInText.ReplaceAllString(s, "$1="+redacted)
}

// snippet returns a short, redacted, single-line excerpt of a response body for an error message.
func snippet(body []byte) string {
	const maxLen = 300
	// Redact before cutting too, so a cut cannot split a secret into a part the patterns no longer recognise.
	s := redactText(strings.Join(strings.Fields(string(body)), " "))
	if len(s) > maxLen {
		s = s[:maxLen] + "…"
	}
	return redactText(s)
}
