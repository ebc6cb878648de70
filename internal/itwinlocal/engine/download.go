package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwinlocal/connector"
)

// download fetches a manifest source file from its pre-authenticated URL (a plain GET without credentials,
// §5.1) into a temp file and returns its path and SHA-256. Failures are task errors (§11k):
//   - 403 or 404: TAE_FILE_NOT_FOUND;
//   - a transport error, a timeout, 429 or 5xx: TAE_TIMEOUT, which the task retries;
//   - any other status, a non-http(s) URL, or a body over MaxDownloadBytes: TAE_FILE_NOT_FOUND or
//     TAE_PARSE_ERROR with the reason in the details.
//
// The URL's query (the signature) never appears in errors.
func (e *Engine) download(ctx context.Context, rawURL string) (path, hash string, err error) {
	u, perr := url.Parse(rawURL)
	if perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", failErr(connector.CodeFileNotFound, "the source file URL must be an absolute http or https URL")
	}
	shown := u.Scheme + "://" + u.Host + u.Path // without the signature
	ctx, cancel := context.WithTimeout(ctx, e.opts.DownloadTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", "", failErr(connector.CodeFileNotFound, "invalid source file URL %s", shown)
	}
	resp, err := e.opts.HTTPClient.Do(req)
	if err != nil {
		if e.ctx.Err() != nil {
			return "", "", e.ctx.Err()
		}
		return "", "", failErr(connector.CodeTimeout, "downloading %s: %s", shown, transportReason(err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusForbidden || resp.StatusCode == http.StatusNotFound:
		return "", "", failErr(connector.CodeFileNotFound, "the source file URL %s answered %d", shown, resp.StatusCode)
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return "", "", failErr(connector.CodeTimeout, "the source file URL %s answered %d", shown, resp.StatusCode)
	case resp.StatusCode != http.StatusOK:
		return "", "", failErr(connector.CodeFileNotFound, "the source file URL %s answered %d", shown, resp.StatusCode)
	}
	if resp.ContentLength > e.opts.MaxDownloadBytes {
		return "", "", failErr(connector.CodeParseError, "the file at %s is larger than the download limit of %d bytes", shown, e.opts.MaxDownloadBytes)
	}
	f, err := os.CreateTemp(e.opts.TempDir, "itwin-local-download-*")
	if err != nil {
		return "", "", err
	}
	keep := false
	defer func() {
		if !keep {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(resp.Body, e.opts.MaxDownloadBytes+1))
	if err != nil {
		if e.ctx.Err() != nil {
			return "", "", e.ctx.Err()
		}
		return "", "", failErr(connector.CodeTimeout, "downloading %s: %s", shown, transportReason(err))
	}
	if n > e.opts.MaxDownloadBytes {
		return "", "", failErr(connector.CodeParseError, "the file at %s is larger than the download limit of %d bytes", shown, e.opts.MaxDownloadBytes)
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	keep = true
	return f.Name(), hex.EncodeToString(h.Sum(nil)), nil
}

func failErr(code, format string, args ...any) error {
	return &connector.Error{Code: code, Message: connector.Info(code).Message, Details: fmt.Sprintf(format, args...)}
}

// transportReason describes a transport error without the URL (url.Error would repeat it with its query).
func transportReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timed out"
	}
	return strings.TrimSpace(err.Error())
}
