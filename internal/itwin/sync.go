package itwin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// ConnectionAPI is the Synchronization API of one connection kind: its connections, their source files and runs
// (internal/wire/testdata/spec/api.md §2, S1–S13 and M1–M13). Both kinds have the same endpoints under their own
// collection, so one set of calls serves both; only the bodies of a new source file and of a run start differ.
type ConnectionAPI struct {
	c    *Client
	kind wire.Kind
}

// Connections returns the calls of connections of kind k.
func (c *Client) Connections(k wire.Kind) ConnectionAPI { return ConnectionAPI{c: c, kind: k} }

// Kind is the connection kind the calls address.
func (a ConnectionAPI) Kind() wire.Kind { return a.kind }

// SourceFile is a source-file mapping of either kind. Key is what the mapping maps: the Storage file id
// (storageFileId) of a storage connection, or the external document id (sourceFileId) of a manifest connection.
// ConnectorType and FileName (lastKnownFileName) exist only on storage mappings.
type SourceFile struct {
	ID            string
	Key           string
	ConnectorType string
	FileName      string
}

// ConnectionCreate is a new connection with its first source files (S1, M1); the files' ID and FileName are
// ignored.
type ConnectionCreate struct {
	IModelID           string
	DisplayName        string
	AuthenticationType string
	SourceFiles        []SourceFile
}

// sourceFileJSON reads a source file of either kind: the manifest shape is the storage shape's id plus
// sourceFileId.
type sourceFileJSON struct {
	wire.StorageSourceFile
	SourceFileID string `json:"sourceFileId"`
}

func (a ConnectionAPI) sourceFile(f sourceFileJSON) SourceFile {
	if a.kind == wire.KindManifest {
		return SourceFile{ID: f.ID, Key: f.SourceFileID}
	}
	return SourceFile{ID: f.ID, Key: f.StorageFileID, ConnectorType: f.ConnectorType, FileName: f.LastKnownFileName}
}

func storageFileBody(f SourceFile) wire.StorageFileCreate {
	return wire.StorageFileCreate{StorageFileID: f.Key, ConnectorType: f.ConnectorType}
}

func manifestFileBody(f SourceFile) wire.ManifestFileCreate {
	return wire.ManifestFileCreate{SourceFileID: f.Key}
}

// sourceFileBody is the body that maps f (S9, S12, M9, M12).
func (a ConnectionAPI) sourceFileBody(f SourceFile) any {
	if a.kind == wire.KindManifest {
		return manifestFileBody(f)
	}
	return storageFileBody(f)
}

// mapSlice converts every element of in; an empty in gives nil (a create without files sends "sourceFiles":null).
func mapSlice[S, T any](in []S, f func(S) T) []T {
	var out []T
	for _, v := range in {
		out = append(out, f(v))
	}
	return out
}

// route builds a call to a path under the kind's collection; template starts with "/{connection id}" or is "".
func (a ConnectionAPI) route(method, template string, ids ...string) call {
	return route(method, a.kind.CollectionPath()+template, ids...)
}

const (
	connPath        = "/{connection id}"
	sourceFilesPath = connPath + "/sourcefiles"
	sourceFilePath  = sourceFilesPath + "/{source file id}"
	runsPath        = connPath + "/runs"
)

func connectionOf(e *wire.ConnectionEnvelope) *wire.Connection { return &e.Connection }

// Create creates a connection with its source files (S1, M1).
func (a ConnectionAPI) Create(ctx context.Context, in ConnectionCreate) (*wire.Connection, error) {
	var body any = wire.StorageConnectionCreate{IModelID: in.IModelID, DisplayName: in.DisplayName,
		AuthenticationType: in.AuthenticationType, SourceFiles: mapSlice(in.SourceFiles, storageFileBody)}
	if a.kind == wire.KindManifest {
		body = wire.ManifestConnectionCreate{IModelID: in.IModelID, DisplayName: in.DisplayName,
			AuthenticationType: in.AuthenticationType, SourceFiles: mapSlice(in.SourceFiles, manifestFileBody)}
	}
	return sendJSON(ctx, a.c, a.route(http.MethodPost, "").withBody(body), connectionOf)
}

// Get reads a connection (S3, M3). A connection of the other kind is a 404.
func (a ConnectionAPI) Get(ctx context.Context, id string) (*wire.Connection, error) {
	return sendJSON(ctx, a.c, a.route(http.MethodGet, connPath, id), connectionOf)
}

// List lists the connections of an iModel (S2, M2; all pages, full representation). Storage connections can also
// be listed without an iModel (every accessible one); manifest connections need it.
func (a ConnectionAPI) List(ctx context.Context, imodelID string) ([]wire.Connection, error) {
	if a.kind == wire.KindManifest {
		return collect(a.Each(ctx, imodelID), 0)
	}
	return listAll(ctx, a.c, a.route(http.MethodGet, "").withQuery(filters(map[string]string{"imodelId": imodelID})), 0, connectionsPage)
}

// Each yields the connections of an iModel (S2, M2; every page, full representation), lazily. Unlike List it
// needs the iModel for both kinds.
func (a ConnectionAPI) Each(ctx context.Context, imodelID string) iter.Seq2[wire.Connection, error] {
	cl := call{method: http.MethodGet, path: a.kind.CollectionPath(), query: url.Values{"imodelId": {imodelID}}, err: need("iModel id", imodelID)}
	return eachItem(ctx, a.c, cl, 0, connectionsPage)
}

// Update changes display name and/or authentication type; omitted fields keep their values (S4, M4).
func (a ConnectionAPI) Update(ctx context.Context, id string, u wire.ConnectionUpdate) (*wire.Connection, error) {
	return sendJSON(ctx, a.c, a.route(http.MethodPut, connPath, id).withBody(u), connectionOf)
}

// Delete deletes a connection (S5, M5).
func (a ConnectionAPI) Delete(ctx context.Context, id string) error {
	return a.c.send(ctx, a.route(http.MethodDelete, connPath, id))
}

// AddSourceFile maps one more file into a connection (S9, M9).
func (a ConnectionAPI) AddSourceFile(ctx context.Context, connID string, f SourceFile) (*SourceFile, error) {
	return a.sourceFileCall(ctx, a.route(http.MethodPost, sourceFilesPath, connID).withBody(a.sourceFileBody(f)))
}

// ListSourceFiles lists a connection's source files (S10, M10; all pages).
func (a ConnectionAPI) ListSourceFiles(ctx context.Context, connID string) ([]SourceFile, error) {
	return collect(a.EachSourceFile(ctx, connID), 0)
}

// EachSourceFile yields a connection's source files (S10, M10; every page), lazily.
func (a ConnectionAPI) EachSourceFile(ctx context.Context, connID string) iter.Seq2[SourceFile, error] {
	return eachItem(ctx, a.c, a.route(http.MethodGet, sourceFilesPath, connID), 0, func(p *struct {
		SourceFiles []sourceFileJSON `json:"sourceFiles"`
		Links       wire.PagingLinks `json:"_links"`
	}) ([]SourceFile, *wire.Link) {
		return mapSlice(p.SourceFiles, a.sourceFile), p.Links.Next
	})
}

// GetSourceFile reads one mapping (S11, M11).
func (a ConnectionAPI) GetSourceFile(ctx context.Context, connID, id string) (*SourceFile, error) {
	return a.sourceFileCall(ctx, a.route(http.MethodGet, sourceFilePath, connID, id))
}

// UpdateSourceFile rewrites a mapping (its key, and a storage mapping's connector type); its id is kept
// (S12, M12).
func (a ConnectionAPI) UpdateSourceFile(ctx context.Context, connID, id string, f SourceFile) (*SourceFile, error) {
	return a.sourceFileCall(ctx, a.route(http.MethodPut, sourceFilePath, connID, id).withBody(a.sourceFileBody(f)))
}

// DeleteSourceFile removes a mapping (S13, M13).
func (a ConnectionAPI) DeleteSourceFile(ctx context.Context, connID, id string) error {
	return a.c.send(ctx, a.route(http.MethodDelete, sourceFilePath, connID, id))
}

func (a ConnectionAPI) sourceFileCall(ctx context.Context, cl call) (*SourceFile, error) {
	return sendJSON(ctx, a.c, cl, func(e *struct {
		SourceFile sourceFileJSON `json:"sourceFile"`
	}) *SourceFile {
		f := a.sourceFile(e.SourceFile)
		return &f
	})
}

func connectionsPage(p *wire.ConnectionList) ([]wire.Connection, *wire.Link) {
	return p.Connections, p.Links.Next
}

// ListConnections lists the connections of every kind on an iModel (C1, all pages, representation: id,
// displayName, iModelId, _links).
func (c *Client) ListConnections(ctx context.Context, imodelID string) ([]wire.Connection, error) {
	cl := call{method: http.MethodGet, path: "/synchronization/imodels/connections", query: url.Values{"imodelId": {imodelID}},
		err: need("iModel id", imodelID)}
	return listAll(ctx, c, cl, 0, connectionsPage)
}

// GetAuthorizationInformation tells whether the caller consented to User connections running on its behalf, and
// where to consent (C2).
func (c *Client) GetAuthorizationInformation(ctx context.Context, redirectURL string) (*wire.AuthorizationInformation, error) {
	cl := call{method: http.MethodGet, path: "/synchronization/imodels/connections/authorizationinformation",
		query: url.Values{"redirectUrl": {redirectURL}}, err: need("redirect URL", redirectURL)}
	return sendJSON(ctx, c, cl, func(e *wire.AuthorizationInformationEnvelope) *wire.AuthorizationInformation {
		return &e.AuthorizationInformation
	})
}

// GetConnection reads a connection of either kind: it tries the storage endpoint, then the manifest endpoint,
// and returns the kind. A connection never changes kind.
func (c *Client) GetConnection(ctx context.Context, id string) (*wire.Connection, wire.Kind, error) {
	kind := wire.KindStorage
	conn, err := c.Connections(kind).Get(ctx, id)
	if IsNotFound(err) {
		kind = wire.KindManifest
		conn, err = c.Connections(kind).Get(ctx, id)
	}
	if err != nil {
		return nil, "", err
	}
	return conn, kind, nil
}

// StartRunResult is the outcome of a run-start call.
type StartRunResult struct {
	// RunID is the new run, or (Active) the run that was already active on the connection.
	RunID string
	// Location is the run URL the server sent, if any.
	Location string
	// Active is true when the server answered 303: no run was started because RunID is still active.
	Active bool
}

// StartRun starts a run of a connection (S6, M6): a manifest connection with the files to process, a storage
// connection with none (manifest must be nil). It is never retried except on 429: a transport error, a cancelled
// context or a 5xx answer returns *StartUncertainError, after which the caller must check the connection's lastRun
// before trying again. A 409 RunAlreadyRequested is returned as *APIError.
func (a ConnectionAPI) StartRun(ctx context.Context, connID string, manifest *wire.ManifestRunCreate) (*StartRunResult, error) {
	cl := a.route(http.MethodPost, connPath+"/"+a.kind.RunStartSegment(), connID)
	cl.policy = retryRateLimitOnly
	if manifest != nil {
		cl.body = manifest
	}
	res, err := a.c.do(ctx, cl)
	if err != nil {
		if _, ok := errors.AsType[*AuthError](err); ok || cl.err != nil {
			return nil, err // nothing was sent
		}
		if apiErr, ok := AsAPIError(err); ok && apiErr.Status < 500 {
			return nil, err // the server refused: no run was started
		}
		return nil, &StartUncertainError{ConnectionID: connID, Err: err}
	}
	out := &StartRunResult{
		Location: res.header.Get("Location"),
		// 303: a run is already active; 200: a stack that followed the 303 got the active run itself.
		Active: res.status == http.StatusSeeOther || res.status == http.StatusOK,
	}
	var env wire.RunEnvelope
	if res.status == http.StatusOK && json.Unmarshal(res.body, &env) == nil && env.Run.ID != "" {
		out.RunID = env.Run.ID
		return out, nil
	}
	out.RunID = lastSegment(out.Location)
	if out.RunID == "" {
		// No Location: the connection's lastRun is set in the same transaction as the run (internal/wire/testdata/spec/api.md §11g).
		conn, err := a.Get(ctx, connID)
		if err != nil {
			return nil, fmt.Errorf("the run start was accepted (HTTP %d) without a Location, and reading the connection's last run failed: %w", res.status, err)
		}
		out.RunID = conn.LastRunID()
		if out.RunID == "" {
			return nil, fmt.Errorf("the run start was accepted (HTTP %d) but neither Location nor the connection's lastRun names the run", res.status)
		}
	}
	return out, nil
}

// GetRun reads one run of a connection (S8, M8).
func (a ConnectionAPI) GetRun(ctx context.Context, connID, runID string) (*wire.Run, error) {
	return sendJSON(ctx, a.c, a.route(http.MethodGet, runsPath+"/{run id}", connID, runID), func(e *wire.RunEnvelope) *wire.Run { return &e.Run })
}

// ListRuns lists a connection's runs, newest first, in full representation (S7, M7). limit <= 0 reads every
// page; otherwise at most limit runs are returned.
func (a ConnectionAPI) ListRuns(ctx context.Context, connID string, limit int) ([]wire.Run, error) {
	return listAll(ctx, a.c, a.route(http.MethodGet, runsPath, connID), limit,
		func(p *wire.RunList) ([]wire.Run, *wire.Link) { return p.Runs, p.Links.Next })
}

// GetReports lists the diagnostic reports of a run, optionally of one task (R1, not paged). Each report's SasURI
// is pre-signed: treat it as a secret.
func (c *Client) GetReports(ctx context.Context, imodelID, runID, taskID string) ([]wire.DiagnosticReport, error) {
	q := filters(map[string]string{"imodelId": imodelID, "runId": runID, "taskId": taskID})
	cl := call{method: http.MethodGet, path: "/synchronization/reports", query: q, err: need("iModel id", imodelID, "run id", runID)}
	// Never nil: no reports is an empty list.
	return sendJSON(ctx, c, cl, func(l *wire.DiagnosticReportList) []wire.DiagnosticReport {
		return append([]wire.DiagnosticReport{}, l.Reports...)
	})
}

// configurationCollections maps a scope to the collection of its configurations (K*).
var configurationCollections = map[string]string{wire.ScopeITwin: "itwins", wire.ScopeIModel: "imodels", wire.ScopeConnection: "connections"}

// configurationRoute is the call for the configuration of one scope (ScopeITwin, ScopeIModel, ScopeConnection).
func configurationRoute(method, scope, id string) call {
	coll, ok := configurationCollections[scope]
	if !ok {
		return call{err: fmt.Errorf("configuration scope must be %q, %q or %q, got %q", wire.ScopeITwin, wire.ScopeIModel, wire.ScopeConnection, scope)}
	}
	return route(method, "/synchronization/configurations/"+coll+"/{"+scope+" id}", id)
}

func configurationOf(e *wire.ConfigurationEnvelope) *wire.Configuration { return &e.Configuration }

// writeConfiguration sends settings to a scope's configuration, as {} when nil (the server wants an object).
func (c *Client) writeConfiguration(ctx context.Context, method, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	if settings == nil {
		settings = map[string]any{}
	}
	return sendJSON(ctx, c, configurationRoute(method, scope, id).withBody(settings), configurationOf)
}

// GetConfiguration reads a scope's stored and resolved settings (K1/K5/K9). 404 ConfigurationNotFound when the
// scope has none.
func (c *Client) GetConfiguration(ctx context.Context, scope, id string) (*wire.Configuration, error) {
	return sendJSON(ctx, c, configurationRoute(http.MethodGet, scope, id), configurationOf)
}

// CreateConfiguration stores a scope's flags (K2/K6/K10); 409 ConfigurationAlreadyExists if it has some.
func (c *Client) CreateConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.writeConfiguration(ctx, http.MethodPost, scope, id, settings)
}

// PatchConfiguration merges flags into a scope's stored settings (K3/K7/K11).
func (c *Client) PatchConfiguration(ctx context.Context, scope, id string, settings map[string]any) (*wire.Configuration, error) {
	return c.writeConfiguration(ctx, http.MethodPatch, scope, id, settings)
}

// DeleteConfiguration removes a scope's configuration; its flags fall back to their defaults (K4/K8/K12).
func (c *Client) DeleteConfiguration(ctx context.Context, scope, id string) error {
	return c.send(ctx, configurationRoute(http.MethodDelete, scope, id))
}
