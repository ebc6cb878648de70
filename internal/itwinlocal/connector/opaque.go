package connector

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
)

// OpaqueKey and OpaqueClass identify the single element of an opaque document.
const (
	OpaqueKey   = "document"
	OpaqueClass = "Document"
)

// Opaque reads any file the local server cannot look inside (DGN, RVT, DWG, ...): the whole file is one
// element {Key: "document", Class: "Document"} whose hash is the SHA-256 of the content, so any byte change
// updates it. The content is streamed through the hash; an empty file is a valid (empty) document.
type Opaque struct{}

// Extract implements Connector.
func (Opaque) Extract(ctx context.Context, r io.Reader, _ Options, emit func(Element) error) error {
	h := sha256.New()
	if _, err := io.Copy(h, ctxReader{ctx, r}); err != nil {
		return readError(ctx, err)
	}
	return emit(Element{Key: OpaqueKey, Class: OpaqueClass, Hash: hex.EncodeToString(h.Sum(nil))})
}
