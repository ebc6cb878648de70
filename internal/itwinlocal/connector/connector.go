// Package connector is the connector layer of itwin-local: it turns the bytes of one source file into the
// elements the iModel stores, and diffs them against the elements a previous run stored (spec §11i–n).
//
// The package is pure: readers in, elements out. It knows nothing about the database, HTTP, runs or tasks; the
// run engine calls For to pick a connector, Connector.Extract (usually through Diff) to read a file, and turns a
// returned *Error into the wire TaskError with (*Error).TaskError.
//
// Formats:
//   - IFC (.ifc for connector type IFC): a streaming ISO 10303-21 (STEP) reader; every entity whose first
//     attribute is an IFC GlobalId is an element. See ifc.go.
//   - GeoJSON (.geojson for GEOSPATIAL): every feature of a FeatureCollection (or a single Feature) is an
//     element. See geojson.go.
//   - Everything else a connector type accepts (spec §7.1) is opaque: the file is one element "document"
//     hashed by content. See opaque.go.
//
// Memory: no connector reads a whole file into memory. Opaque files and GeoJSON are hashed as they stream.
// IFC keeps a compact record per STEP entity (about 40 bytes: a 16-byte digest, its id, line and references)
// so that references may point forwards and geometry can be folded into the hash of the element that uses
// it; it never keeps entity text.
package connector

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Element is one element a connector produced from a source file.
type Element struct {
	// Key is the element's stable identity within its source file: the IFC GlobalId (or "#123" when
	// IgnoreIfcGlobalIDs is set), the GeoJSON feature id (or "feature[<index>]"), or "document" for opaque files.
	Key string
	// Class is the element's class: the upper-case IFC entity type (e.g. "IFCWALL"), "Feature" or "Document".
	Class string
	// Hash is the hex SHA-256 of the element's content; equal hashes mean the element did not change.
	Hash string
}

// Options are the per-run inputs of a connector.
type Options struct {
	// IgnoreIfcGlobalIDs keys IFC elements by their STEP entity number ("#123") instead of their GlobalId
	// (the ignoreIfcGlobalIds flag, spec §11n), so a re-numbered export shows up as replaced elements.
	IgnoreIfcGlobalIDs bool
	// Settings are the connection's resolved configuration settings (spec §6), kept for flags that later
	// change connector behaviour.
	Settings map[string]any
}

// OptionsFromSettings builds Options from a connection's resolved settings (spec §6.1 resolvedSettings).
// A flag that is missing or not a boolean counts as false.
func OptionsFromSettings(settings map[string]any) Options {
	ignore, _ := settings["ignoreIfcGlobalIds"].(bool)
	return Options{IgnoreIfcGlobalIDs: ignore, Settings: settings}
}

// Connector reads one source file.
type Connector interface {
	// Extract reads r to its end and calls emit once per element. Keys are unique within one call.
	//
	// Errors: a *Error for problems with the file (TAE_PARSE_ERROR) or a deadline that passed (TAE_TIMEOUT,
	// which also matches context.DeadlineExceeded through errors.Is); ctx.Err() unchanged when ctx is
	// cancelled; an error from emit unchanged; a read error of r wrapped. Elements emitted before an error
	// must be discarded by the caller (Diff does).
	Extract(ctx context.Context, r io.Reader, opts Options, emit func(Element) error) error
}

// For returns the connector that reads fileName for connectorType. Connectors are stateless values, safe for
// concurrent use. A connector type that does not accept the
// file's extension (spec §7.1, itwin.ConnectorAccepts), or an unknown connector type, gives a *Error with code
// TAE_UNSUPPORTED_FORMAT.
func For(connectorType, fileName string) (Connector, error) {
	ct, known := wire.LookupConnectorType(connectorType)
	ext := wire.FileExtension(fileName)
	if !known {
		return nil, newError(CodeUnsupportedFormat, 0, "unknown connector type %q", connectorType)
	}
	if !wire.ConnectorAccepts(connectorType, fileName) {
		shown := "." + ext
		if ext == "" {
			shown = "files without an extension"
		} else {
			shown += " files"
		}
		accepted := "none"
		if len(ct.Extensions) > 0 {
			accepted = "." + strings.Join(ct.Extensions, ", .")
		}
		return nil, newError(CodeUnsupportedFormat, 0, "connector type %s does not accept %s (it accepts %s): %q", connectorType, shown, accepted, fileName)
	}
	switch {
	case connectorType == "IFC" && ext == "ifc":
		return IFC{}, nil
	case connectorType == "GEOSPATIAL" && slices.Contains([]string{"geojson"}, ext):
		return GeoJSON{}, nil
	}
	return Opaque{}, nil
}

// ctxReader fails reads once ctx is done, so a connector stuck on a slow or huge reader honours the run's
// deadline without checking ctx in its inner loops.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// readError classifies an error returned by the source reader: a passed deadline is the TAE_TIMEOUT task error,
// cancellation stays ctx.Err() (the engine is stopping, the file is not at fault), anything else is an I/O
// error for the engine to handle.
func readError(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil && (errors.Is(err, ctxErr) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		if errors.Is(ctxErr, context.DeadlineExceeded) {
			return &Error{Code: CodeTimeout, Message: Info(CodeTimeout).Message, Details: "the connector did not finish reading the file before the deadline", cause: ctxErr}
		}
		return ctxErr
	}
	var te *Error
	if errors.As(err, &te) {
		return err
	}
	return fmt.Errorf("read source file: %w", err)
}
