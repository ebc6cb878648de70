package wire

// This file is the one definition of the JSON that crosses the wire (internal/wire/testdata/spec/api.md §3–§9). The provider's client
// and itwin-local both use these structs, so the two can never disagree about a field name.
//
// Request bodies leave optional fields out (omitempty/omitzero): the spec says a missing field and null mean the
// same ("not set"). Responses of the iTwins and iModels APIs send such fields as null instead (spec §10 row 19),
// through the MarshalJSON methods below; PATCH bodies that must tell "clear" from "keep" use Optional.

import (
	"encoding/json"
	"strings"
	"time"
)

// Link is a HAL-style link object.
type Link struct {
	Href string `json:"href"`
}

// PagingLinks are the _links of every paged list (§1.5).
type PagingLinks struct {
	Self *Link `json:"self,omitempty"`
	Prev *Link `json:"prev,omitempty"`
	Next *Link `json:"next,omitempty"`
}

// Timestamp is an ISO 8601 UTC date. It accepts 0–7 fraction digits and always emits 7 (§1.3).
type Timestamp struct{ time.Time }

// TimestampLayout is the exact layout the local server emits.
const TimestampLayout = "2006-01-02T15:04:05.0000000Z"

// NewTimestamp returns t in UTC as a Timestamp.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC()} }

// MarshalJSON emits 7 fraction digits with a Z suffix.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(TimestampLayout) + `"`), nil
}

// UnmarshalJSON accepts RFC 3339 with any number of fraction digits; null leaves the zero value.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*t = Timestamp{}
		return nil
	}
	var raw string
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	if raw == "" {
		*t = Timestamp{}
		return nil
	}
	parsed, err := ParseTimestamp(raw)
	if err != nil {
		return err
	}
	*t = Timestamp{parsed}
	return nil
}

// ParseTimestamp parses an ISO 8601 date as the API emits it. A missing zone is read as UTC.
func ParseTimestamp(s string) (time.Time, error) {
	if !strings.HasSuffix(s, "Z") && !strings.ContainsAny(s[min(len(s), 19):], "+-") {
		s += "Z"
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, err
	}
	return t.UTC(), nil
}

// --- Errors (§1.6) ---

// ErrorEnvelope is the body of every 4xx/5xx answer except the token endpoint's.
type ErrorEnvelope struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody is the inner error object.
type ErrorBody struct {
	Code    string        `json:"code"`
	Message string        `json:"message"`
	Target  string        `json:"target,omitempty"`
	Details []ErrorDetail `json:"details,omitempty"`
}

// ErrorDetail is one item of error.details[].
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target,omitempty"`
}

// --- Connections (§3.4) ---

// Connection is a storage or manifest connection; both kinds share this shape.
type Connection struct {
	ID                 string           `json:"id"`
	DisplayName        string           `json:"displayName"`
	IModelID           string           `json:"iModelId,omitempty"`
	ITwinID            string           `json:"iTwinId,omitempty"`
	AuthenticationType string           `json:"authenticationType,omitempty"`
	Links              *ConnectionLinks `json:"_links,omitempty"`
}

// ConnectionLinks are a connection's links (§3.3).
type ConnectionLinks struct {
	IModel  *Link `json:"iModel,omitempty"`
	ITwin   *Link `json:"iTwin,omitempty"`
	LastRun *Link `json:"lastRun,omitempty"`
	// Project is the legacy name of the iTwin link.
	Project *Link `json:"project,omitempty"`
}

// LastRunID returns the run id from _links.lastRun, or "" before the first run. The run id is the last path
// segment of the href (§10 row 1).
func (c *Connection) LastRunID() string {
	if c == nil || c.Links == nil || c.Links.LastRun == nil {
		return ""
	}
	href := strings.TrimRight(c.Links.LastRun.Href, "/")
	if i := strings.IndexAny(href, "?#"); i >= 0 {
		href = href[:i]
	}
	return href[strings.LastIndex(href, "/")+1:]
}

// ConnectionEnvelope wraps a single connection.
type ConnectionEnvelope struct {
	Connection Connection `json:"connection"`
}

// ConnectionList is a page of connections (S2, M2, C1).
type ConnectionList struct {
	Connections []Connection `json:"connections"`
	Links       PagingLinks  `json:"_links"`
}

// StorageConnectionCreate is the S1 body.
type StorageConnectionCreate struct {
	IModelID           string              `json:"iModelId"`
	SourceFiles        []StorageFileCreate `json:"sourceFiles"`
	DisplayName        string              `json:"displayName,omitempty"`
	AuthenticationType string              `json:"authenticationType,omitempty"`
}

// ManifestConnectionCreate is the M1 body.
type ManifestConnectionCreate struct {
	IModelID           string               `json:"iModelId"`
	SourceFiles        []ManifestFileCreate `json:"sourceFiles"`
	DisplayName        string               `json:"displayName,omitempty"`
	AuthenticationType string               `json:"authenticationType,omitempty"`
}

// ConnectionUpdate is the S4/M4 body. The server merges: omitted fields keep their values (§11c).
// DisplayName is a pointer so that an explicit "" (clear the name) is sent, while nil keeps the name.
type ConnectionUpdate struct {
	DisplayName        *string `json:"displayName,omitempty"`
	AuthenticationType string  `json:"authenticationType,omitempty"`
}

// Ptr returns a pointer to v, for the optional fields of request bodies (ConnectionUpdate, StorageItemUpdate).
func Ptr[T any](v T) *T { return &v }

// StorageFileCreate maps a Storage file into a connection (S9, S12, inside S1).
type StorageFileCreate struct {
	StorageFileID string `json:"storageFileId"`
	ConnectorType string `json:"connectorType"`
}

// ManifestFileCreate registers an external document id (M9, M12, inside M1).
type ManifestFileCreate struct {
	SourceFileID string `json:"sourceFileId"`
}

// --- Source files (§3.5) ---

// StorageSourceFile is a storage connection's source-file mapping.
type StorageSourceFile struct {
	ID                string           `json:"id"`
	StorageFileID     string           `json:"storageFileId"`
	ConnectorType     string           `json:"connectorType,omitempty"`
	LastKnownFileName string           `json:"lastKnownFileName,omitempty"`
	Links             *SourceFileLinks `json:"_links,omitempty"`
}

// SourceFileLinks holds the informational link to the storage file.
type SourceFileLinks struct {
	File *Link `json:"file,omitempty"`
}

// StorageSourceFileEnvelope wraps one storage source file.
type StorageSourceFileEnvelope struct {
	SourceFile StorageSourceFile `json:"sourceFile"`
}

// StorageSourceFileList is a page of storage source files (S10).
type StorageSourceFileList struct {
	SourceFiles []StorageSourceFile `json:"sourceFiles"`
	Links       PagingLinks         `json:"_links"`
}

// ManifestSourceFile is a manifest connection's registered external document.
type ManifestSourceFile struct {
	ID           string `json:"id"`
	SourceFileID string `json:"sourceFileId"`
}

// ManifestSourceFileEnvelope wraps one manifest source file.
type ManifestSourceFileEnvelope struct {
	SourceFile ManifestSourceFile `json:"sourceFile"`
}

// ManifestSourceFileList is a page of manifest source files (M10).
type ManifestSourceFileList struct {
	SourceFiles []ManifestSourceFile `json:"sourceFiles"`
	Links       PagingLinks          `json:"_links"`
}

// --- Authorization information (§3.7) ---

// AuthorizationInformation tells whether the caller consented to User connections running on its behalf.
type AuthorizationInformation struct {
	IsUserAuthorized bool                   `json:"isUserAuthorized"`
	Links            AuthorizationInfoLinks `json:"_links"`
}

// AuthorizationInfoLinks holds the consent page link.
type AuthorizationInfoLinks struct {
	AuthorizationURL *Link `json:"authorizationUrl,omitempty"`
}

// AuthorizationInformationEnvelope wraps C2's answer.
type AuthorizationInformationEnvelope struct {
	AuthorizationInformation AuthorizationInformation `json:"authorizationInformation"`
}

// --- Diagnostic reports (§3.8) ---

// DiagnosticReport is one R1 item.
type DiagnosticReport struct {
	ID               string    `json:"id"`
	IModelID         string    `json:"imodelId"`
	RunID            string    `json:"runId"`
	TaskID           string    `json:"taskId,omitempty"`
	SasURI           string    `json:"sasUri"`
	CreatedTimeStamp Timestamp `json:"createdTimeStamp,omitzero"`
}

// DiagnosticReportList is R1's answer (not paged).
type DiagnosticReportList struct {
	Reports []DiagnosticReport `json:"reports"`
}

// ReportDocument is the JSON behind a report's sasUri.
type ReportDocument struct {
	Context         ReportContext         `json:"context"`
	SourceFilesInfo ReportSourceFilesInfo `json:"sourceFilesInfo"`
	FileRecords     []ReportFileRecord    `json:"filerecords"`
}

// ReportContext identifies what a report is about.
type ReportContext struct {
	ReportType string    `json:"reportType"`
	JobID      string    `json:"jobid"`
	IModelID   string    `json:"imodelid"`
	RunID      string    `json:"runid,omitempty"`
	TaskID     string    `json:"taskid,omitempty"`
	Timestamp  Timestamp `json:"timestamp,omitzero"`
}

// ReportSourceFilesInfo summarises the file a task processed and what it changed.
type ReportSourceFilesInfo struct {
	FileID        string `json:"fileId,omitempty"`
	FileName      string `json:"fileName,omitempty"`
	ConnectorType string `json:"connectorType,omitempty"`
	Elements      int    `json:"elements"`
	Inserted      int    `json:"inserted"`
	Updated       int    `json:"updated"`
	Deleted       int    `json:"deleted"`
}

// ReportFileRecord holds the audit records of one file.
type ReportFileRecord struct {
	File         string              `json:"file,omitempty"`
	AuditRecords []ReportAuditRecord `json:"auditrecords"`
}

// ReportAuditRecord is one issue found while processing a file.
type ReportAuditRecord struct {
	AuditInfo ReportAuditInfo `json:"auditinfo"`
}

// ReportAuditInfo describes an issue. Level is Fatal, Error, Critical, Warning or Info.
type ReportAuditInfo struct {
	IssueID  string `json:"issueid"`
	Level    string `json:"level"`
	Category string `json:"category"`
	Message  string `json:"message"`
	Type     string `json:"type"`
}

// --- Runs (§4) ---

// Execution states, results and phases (§7.2).
const (
	StateNotStarted       = "NotStarted"
	StateQueued           = "Queued"
	StateWaitingToExecute = "WaitingToExecute"
	StateExecuting        = "Executing"
	StateWaitingToRetry   = "WaitingToRetry"
	StateFinalizing       = "Finalizing"
	StateCompleted        = "Completed"
	StateIdle             = "Idle"

	ResultUndetermined   = "Undetermined"
	ResultSuccess        = "Success"
	ResultPartialSuccess = "PartialSuccess"
	ResultError          = "Error"
	ResultSkipped        = "Skipped"
	ResultCancelled      = "Cancelled"
	ResultTimedOut       = "TimedOut"

	PhasePreprocessor  = "Preprocessor"
	PhaseMasterFile    = "MasterFile"
	PhaseReferenceFile = "ReferenceFile"

	AuthenticationTypeUser    = "User"
	AuthenticationTypeService = "Service"

	ManifestActionBridge = "bridge"
	ManifestActionUnmap  = "unmap"
)

// ExecutionResults lists every result value, in the spec's order.
var ExecutionResults = []string{ResultUndetermined, ResultSuccess, ResultPartialSuccess, ResultError, ResultSkipped, ResultCancelled, ResultTimedOut}

// Run is one synchronization run.
type Run struct {
	ID            string    `json:"id"`
	ConnectionID  string    `json:"connectionId,omitempty"`
	StartDateTime Timestamp `json:"startDateTime,omitzero"`
	EndDateTime   Timestamp `json:"endDateTime,omitzero"`
	Phase         string    `json:"phase,omitempty"`
	State         string    `json:"state"`
	Result        string    `json:"result"`
	Error         *RunError `json:"error,omitempty"`
	// Jobs is [] (not absent) until the run reaches WaitingToExecute; nil means "not in this representation".
	Jobs []Job `json:"jobs,omitzero"`
}

// IsActive reports whether the run has not reached its only terminal state.
func (r *Run) IsActive() bool { return r.State != StateCompleted }

// RunError is present when the run as a whole failed.
type RunError struct {
	ErrorKey    string `json:"errorKey"`
	Description string `json:"description"`
}

// Job groups a run's tasks of one connector type.
type Job struct {
	ID            string    `json:"id"`
	StartDateTime Timestamp `json:"startDateTime,omitzero"`
	EndDateTime   Timestamp `json:"endDateTime,omitzero"`
	State         string    `json:"state"`
	Result        string    `json:"result"`
	ConnectorType string    `json:"connectorType"`
	Tasks         []Task    `json:"tasks"`
}

// Task is the processing of one source file.
type Task struct {
	ID            string     `json:"id"`
	StartDateTime Timestamp  `json:"startDateTime,omitzero"`
	EndDateTime   Timestamp  `json:"endDateTime,omitzero"`
	RetryAttempts int        `json:"retryAttempts"`
	StorageFileID string     `json:"storageFileId,omitempty"`
	SourceFileID  string     `json:"sourceFileId,omitempty"`
	State         string     `json:"state"`
	Result        string     `json:"result"`
	Error         *TaskError `json:"error,omitempty"`
}

// TaskError explains why a task failed or is retrying.
type TaskError struct {
	ErrorCode      string `json:"errorCode"`
	Message        string `json:"message"`
	Details        string `json:"details"`
	Description    string `json:"description"`
	DescriptionKey string `json:"descriptionKey"`
	BridgeExitCode int    `json:"bridgeExitCode"`
	System         string `json:"system"`
	Phase          string `json:"phase"`
	Category       string `json:"category"`
	KbArticleLink  string `json:"kbArticleLink"`
	CanUserFix     bool   `json:"canUserFix"`
}

// RunEnvelope wraps one run (S8, M8, and a followed 303).
type RunEnvelope struct {
	Run Run `json:"run"`
}

// RunList is a page of runs (S7, M7), newest first.
type RunList struct {
	Runs  []Run       `json:"runs"`
	Links PagingLinks `json:"_links"`
}

// --- Manifest runs (§5.2) ---

// ManifestRunCreate is the M6 body.
type ManifestRunCreate struct {
	DocumentAttributeSchemaURL string            `json:"documentAttributeSchemaUrl,omitempty"`
	SourceFiles                []ManifestRunFile `json:"sourceFiles,omitempty"`
}

// ManifestRunFile is a master file of a manifest run.
type ManifestRunFile struct {
	ID                string              `json:"id"`
	Action            string              `json:"action,omitempty"`
	Name              string              `json:"name"`
	RelativePath      string              `json:"relativePath,omitempty"`
	URL               string              `json:"url"`
	ConnectorType     string              `json:"connectorType"`
	Connector         string              `json:"connector,omitempty"` // deprecated: replaced by connectorType
	DocumentAttribute *DocumentAttribute  `json:"documentAttribute,omitempty"`
	DocumentMetadata  json.RawMessage     `json:"documentMetadata,omitempty"` // legacy
	Children          []ManifestChildFile `json:"children,omitempty"`
}

// ManifestChildFile is a reference file of a master.
type ManifestChildFile struct {
	ID                string             `json:"id"`
	ParentID          string             `json:"parentId"`
	Name              string             `json:"name"`
	RelativePath      string             `json:"relativePath,omitempty"`
	URL               string             `json:"url"`
	ConnectorType     string             `json:"connectorType"`
	Connector         string             `json:"connector,omitempty"` // deprecated
	DocumentAttribute *DocumentAttribute `json:"documentAttribute,omitempty"`
	DocumentMetadata  json.RawMessage    `json:"documentMetadata,omitempty"` // legacy
}

// DocumentAttribute attaches properties to a file's document element.
type DocumentAttribute struct {
	ClassName  string         `json:"className"`
	Properties map[string]any `json:"properties,omitempty"`
}

// --- Configurations (§6) ---

// Configuration is a scope's stored and resolved settings.
type Configuration struct {
	ScopeID          string         `json:"scopeId"`
	Settings         map[string]any `json:"settings"`
	ResolvedSettings map[string]any `json:"resolvedSettings"`
}

// ConfigurationEnvelope wraps one configuration.
type ConfigurationEnvelope struct {
	Configuration Configuration `json:"configuration"`
}

// --- Token (§9.1) ---

// TokenResponse is the token endpoint's success answer.
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope,omitempty"`
}

// TokenError is the token endpoint's OAuth2 error answer.
type TokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}

// OpenIDConfiguration is the discovery document at {issuer}/.well-known/openid-configuration.
type OpenIDConfiguration struct {
	Issuer                           string   `json:"issuer"`
	AuthorizationEndpoint            string   `json:"authorization_endpoint"`
	TokenEndpoint                    string   `json:"token_endpoint"`
	JWKSURI                          string   `json:"jwks_uri"`
	ResponseTypesSupported           []string `json:"response_types_supported"`
	SubjectTypesSupported            []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported []string `json:"id_token_signing_alg_values_supported"`
	GrantTypesSupported              []string `json:"grant_types_supported,omitempty"`
	ScopesSupported                  []string `json:"scopes_supported,omitempty"`
}

// --- iTwins (§9.2) ---

// ITwin is an iTwin; the same struct is the create body (server-set fields left empty).
type ITwin struct {
	ID                 string    `json:"id,omitempty"`
	Class              string    `json:"class,omitempty"`
	SubClass           string    `json:"subClass,omitempty"`
	Type               string    `json:"type,omitempty"`
	Number             string    `json:"number,omitempty"`
	DisplayName        string    `json:"displayName"`
	GeographicLocation string    `json:"geographicLocation,omitempty"`
	IanaTimeZone       string    `json:"ianaTimeZone,omitempty"`
	DataCenterLocation string    `json:"dataCenterLocation,omitempty"`
	Status             string    `json:"status,omitempty"`
	ParentID           string    `json:"parentId,omitempty"`
	ITwinAccountID     string    `json:"iTwinAccountId,omitempty"`
	CreatedDateTime    Timestamp `json:"createdDateTime,omitzero"`
	CreatedBy          string    `json:"createdBy,omitempty"`
}

// MarshalJSON sends the optional fields an iTwin has no value for as null, never omitted (spec §9.2).
func (t ITwin) MarshalJSON() ([]byte, error) {
	type plain ITwin // no methods: no recursion
	return json.Marshal(struct {
		plain
		Type               *string `json:"type"`
		Number             *string `json:"number"`
		GeographicLocation *string `json:"geographicLocation"`
		IanaTimeZone       *string `json:"ianaTimeZone"`
		DataCenterLocation *string `json:"dataCenterLocation"`
		Status             *string `json:"status"`
		ParentID           *string `json:"parentId"`
		ITwinAccountID     *string `json:"iTwinAccountId"`
		CreatedBy          *string `json:"createdBy"`
	}{plain(t), nullIfEmpty(t.Type), nullIfEmpty(t.Number), nullIfEmpty(t.GeographicLocation), nullIfEmpty(t.IanaTimeZone),
		nullIfEmpty(t.DataCenterLocation), nullIfEmpty(t.Status), nullIfEmpty(t.ParentID), nullIfEmpty(t.ITwinAccountID),
		nullIfEmpty(t.CreatedBy)})
}

// ITwinEnvelope wraps one iTwin.
type ITwinEnvelope struct {
	ITwin ITwin `json:"iTwin"`
}

// ITwinCreate is the POST /itwins body: class, subClass and displayName are required.
type ITwinCreate struct {
	Class              string `json:"class"`
	SubClass           string `json:"subClass"`
	DisplayName        string `json:"displayName"`
	Type               string `json:"type,omitempty"`
	Number             string `json:"number,omitempty"`
	ParentID           string `json:"parentId,omitempty"`
	Status             string `json:"status,omitempty"`
	DataCenterLocation string `json:"dataCenterLocation,omitempty"`
	IanaTimeZone       string `json:"ianaTimeZone,omitempty"`
	GeographicLocation string `json:"geographicLocation,omitempty"`
}

// ITwin statuses.
const (
	ITwinStatusActive   = "Active"
	ITwinStatusInactive = "Inactive"
	ITwinStatusTrial    = "Trial"
)

// ITwinUpdate is the PATCH /itwins/{id} body (merge): absent fields keep their value, null clears an optional one.
// class and subClass cannot change.
type ITwinUpdate struct {
	DisplayName        *string          `json:"displayName,omitempty"`
	Type               Optional[string] `json:"type,omitzero"`
	Number             Optional[string] `json:"number,omitzero"`
	Status             *string          `json:"status,omitempty"`
	IanaTimeZone       Optional[string] `json:"ianaTimeZone,omitzero"`
	GeographicLocation Optional[string] `json:"geographicLocation,omitzero"`
	DataCenterLocation *string          `json:"dataCenterLocation,omitempty"`
	ParentID           Optional[string] `json:"parentId,omitzero"`
}

// ITwinList is a page of iTwins (GET /itwins).
type ITwinList struct {
	ITwins []ITwin     `json:"iTwins"`
	Links  PagingLinks `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id, class, subClass, type, number and
	// displayName (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full iTwins otherwise.
func (l ITwinList) MarshalJSON() ([]byte, error) {
	type plain ITwinList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID          string  `json:"id"`
		Class       string  `json:"class"`
		SubClass    string  `json:"subClass"`
		Type        *string `json:"type"`
		Number      *string `json:"number"`
		DisplayName string  `json:"displayName"`
	}
	items := make([]item, len(l.ITwins))
	for i, t := range l.ITwins {
		items[i] = item{t.ID, t.Class, t.SubClass, nullIfEmpty(t.Type), nullIfEmpty(t.Number), t.DisplayName}
	}
	return json.Marshal(struct {
		ITwins []item      `json:"iTwins"`
		Links  PagingLinks `json:"_links"`
	}{items, l.Links})
}

// Optional is a field of a PATCH body with three states: absent (keep the value), null (clear it) or a value.
// Tag it `omitzero` so that the absent state is left out.
type Optional[T any] struct {
	Set   bool // false: absent
	Value *T   // nil with Set: null
}

// Some is an Optional holding v; Null is the Optional that clears.
func Some[T any](v T) Optional[T] { return Optional[T]{Set: true, Value: &v} }

// Null is the Optional that clears a field.
func Null[T any]() Optional[T] { return Optional[T]{Set: true} }

// IsZero reports the absent state, for omitzero.
func (o Optional[T]) IsZero() bool { return !o.Set }

// MarshalJSON writes the value or null.
func (o Optional[T]) MarshalJSON() ([]byte, error) {
	if o.Value == nil {
		return []byte("null"), nil
	}
	return json.Marshal(*o.Value)
}

// UnmarshalJSON records that the field was present, and its value unless it was null.
func (o *Optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Value = nil
		return nil
	}
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	o.Value = &v
	return nil
}

// nullIfEmpty is nil for "", so that a response field with no value is sent as null.
func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// --- iModels (§9.3) ---

// IModel states.
const (
	IModelStateInitialized    = "initialized"
	IModelStateNotInitialized = "notInitialized"
)

// IModel is an iModel (v2 representation).
type IModel struct {
	ID                 string       `json:"id"`
	DisplayName        string       `json:"displayName"`
	Name               string       `json:"name"`
	Description        string       `json:"description,omitempty"`
	State              string       `json:"state"`
	CreatedDateTime    Timestamp    `json:"createdDateTime,omitzero"`
	ITwinID            string       `json:"iTwinId"`
	Extent             *Extent      `json:"extent,omitempty"`
	ContainersEnabled  int          `json:"containersEnabled"`
	DataCenterLocation string       `json:"dataCenterLocation,omitempty"`
	Links              *IModelLinks `json:"_links,omitempty"`
}

// IModelLinks are an iModel's links.
type IModelLinks struct {
	Creator       *Link `json:"creator,omitempty"`
	Changesets    *Link `json:"changesets,omitempty"`
	NamedVersions *Link `json:"namedVersions,omitempty"`
}

// Extent is an iModel's geographic extent.
type Extent struct {
	SouthWest GeoPoint `json:"southWest"`
	NorthEast GeoPoint `json:"northEast"`
}

// GeoPoint is a latitude/longitude pair.
type GeoPoint struct {
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

// IModelCreate is the iModels create body.
type IModelCreate struct {
	ITwinID                    string          `json:"iTwinId"`
	Name                       string          `json:"name"`
	Description                string          `json:"description,omitempty"`
	Extent                     *Extent         `json:"extent,omitempty"`
	CreationMode               string          `json:"creationMode,omitempty"`
	ContainersEnabled          *int            `json:"containersEnabled,omitempty"`
	GeographicCoordinateSystem json.RawMessage `json:"geographicCoordinateSystem,omitempty"`
}

// MarshalJSON sends description and extent as null when the iModel has none (spec §9.3).
func (m IModel) MarshalJSON() ([]byte, error) {
	type plain IModel
	return json.Marshal(struct {
		plain
		Description *string `json:"description"`
		Extent      *Extent `json:"extent"`
	}{plain(m), nullIfEmpty(m.Description), m.Extent})
}

// IModelEnvelope wraps one iModel.
type IModelEnvelope struct {
	IModel IModel `json:"iModel"`
}

// IModelList is a page of iModels (GET /imodels?iTwinId=…). With Prefer: return=minimal each item has only id and
// displayName.
type IModelList struct {
	IModels []IModel    `json:"iModels"`
	Links   PagingLinks `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id and displayName (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full iModels otherwise.
func (l IModelList) MarshalJSON() ([]byte, error) {
	type plain IModelList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID          string `json:"id"`
		DisplayName string `json:"displayName"`
	}
	items := make([]item, len(l.IModels))
	for i, m := range l.IModels {
		items[i] = item{m.ID, m.DisplayName}
	}
	return json.Marshal(struct {
		IModels []item      `json:"iModels"`
		Links   PagingLinks `json:"_links"`
	}{items, l.Links})
}

// IModelUpdate is the PATCH /imodels/{id} body (merge): absent fields keep their value; null clears description
// or extent.
type IModelUpdate struct {
	Name        *string          `json:"name,omitempty"`
	Description Optional[string] `json:"description,omitzero"`
	Extent      Optional[Extent] `json:"extent,omitzero"`
}

// Named version states.
const (
	NamedVersionStateVisible = "visible"
	NamedVersionStateHidden  = "hidden"
)

// NamedVersion is a named version of an iModel: a name pinned on one changeset.
type NamedVersion struct {
	ID              string             `json:"id"`
	DisplayName     string             `json:"displayName"`
	Name            string             `json:"name"`
	Description     string             `json:"description"`
	ChangesetID     string             `json:"changesetId"`
	ChangesetIndex  int                `json:"changesetIndex"`
	State           string             `json:"state"`
	CreatedDateTime Timestamp          `json:"createdDateTime,omitzero"`
	Application     *Application       `json:"application,omitempty"`
	Links           *NamedVersionLinks `json:"_links,omitempty"`
}

// MarshalJSON sends an empty description, a missing application and the changesetId and changeset link of a
// baseline version (changesetIndex 0, before the first changeset) as null.
func (v NamedVersion) MarshalJSON() ([]byte, error) {
	type plain NamedVersion
	type links struct {
		Creator   *Link `json:"creator"`
		Changeset *Link `json:"changeset"`
	}
	var l *links
	if v.Links != nil {
		l = &links{v.Links.Creator, v.Links.Changeset}
	}
	return json.Marshal(struct {
		plain
		Description *string      `json:"description"`
		ChangesetID *string      `json:"changesetId"`
		Application *Application `json:"application"`
		Links       *links       `json:"_links,omitempty"`
	}{plain(v), nullIfEmpty(v.Description), nullIfEmpty(v.ChangesetID), v.Application, l})
}

// NamedVersionLinks are a named version's links.
type NamedVersionLinks struct {
	Creator   *Link `json:"creator,omitempty"`
	Changeset *Link `json:"changeset,omitempty"`
}

// NamedVersionCreate is the POST /imodels/{id}/namedversions body. With neither ChangesetID nor ChangesetIndex the
// version is pinned on the latest changeset.
type NamedVersionCreate struct {
	Name           string `json:"name"`
	Description    string `json:"description,omitempty"`
	ChangesetID    string `json:"changesetId,omitempty"`
	ChangesetIndex *int   `json:"changesetIndex,omitempty"`
}

// NamedVersionUpdate is the PATCH body of a named version (merge).
type NamedVersionUpdate struct {
	Name        *string          `json:"name,omitempty"`
	Description Optional[string] `json:"description,omitzero"`
	State       *string          `json:"state,omitempty"`
}

// NamedVersionEnvelope wraps one named version.
type NamedVersionEnvelope struct {
	NamedVersion NamedVersion `json:"namedVersion"`
}

// NamedVersionList is a page of named versions.
type NamedVersionList struct {
	NamedVersions []NamedVersion `json:"namedVersions"`
	Links         PagingLinks    `json:"_links"`
	// Minimal is never sent: a server sets it to encode each item with only id, displayName, changesetId and
	// changesetIndex (return=minimal).
	Minimal bool `json:"-"`
}

// MarshalJSON writes the minimal items when Minimal is set, the full named versions otherwise.
func (l NamedVersionList) MarshalJSON() ([]byte, error) {
	type plain NamedVersionList
	if !l.Minimal {
		return json.Marshal(plain(l))
	}
	type item struct {
		ID             string  `json:"id"`
		DisplayName    string  `json:"displayName"`
		ChangesetID    *string `json:"changesetId"`
		ChangesetIndex int     `json:"changesetIndex"`
	}
	items := make([]item, len(l.NamedVersions))
	for i, v := range l.NamedVersions {
		items[i] = item{v.ID, v.DisplayName, nullIfEmpty(v.ChangesetID), v.ChangesetIndex}
	}
	return json.Marshal(struct {
		NamedVersions []item      `json:"namedVersions"`
		Links         PagingLinks `json:"_links"`
	}{items, l.Links})
}

// User is a user as the iModels API (GET /imodels/{id}/users/{userId}, with Statistics) and the Users API
// (GET /users/{id}) describe it. Unknown names are sent as null.
type User struct {
	ID          string          `json:"id"`
	DisplayName string          `json:"displayName"`
	GivenName   string          `json:"givenName,omitempty"`
	Surname     string          `json:"surname,omitempty"`
	Email       string          `json:"email,omitempty"`
	Statistics  *UserStatistics `json:"statistics,omitempty"`
}

// MarshalJSON sends missing names and email as null.
func (u User) MarshalJSON() ([]byte, error) {
	type plain User
	return json.Marshal(struct {
		plain
		GivenName *string `json:"givenName"`
		Surname   *string `json:"surname"`
		Email     *string `json:"email"`
	}{plain(u), nullIfEmpty(u.GivenName), nullIfEmpty(u.Surname), nullIfEmpty(u.Email)})
}

// UserStatistics counts what a user did in one iModel.
type UserStatistics struct {
	PushedChangesetsCount int        `json:"pushedChangesetsCount"`
	LastChangesetPushDate *Timestamp `json:"lastChangesetPushDate"`
	CreatedVersionsCount  int        `json:"createdVersionsCount"`
	BriefcasesCount       int        `json:"briefcasesCount"`
}

// UserEnvelope wraps one user.
type UserEnvelope struct {
	User User `json:"user"`
}

// Changeset is an iModel changeset. Application and SynchronizationInfo are present in the representation only.
// A server sets Representation for the single GET and for lists with return=representation: the encoding then
// always carries application, synchronizationInfo and the namedVersion, currentOrPrecedingCheckpoint and download
// links, as null when they have no value (spec §9.3).
type Changeset struct {
	ID                  string               `json:"id"`
	DisplayName         string               `json:"displayName"`
	Description         string               `json:"description"`
	Index               int                  `json:"index"`
	ParentID            string               `json:"parentId"`
	CreatorID           string               `json:"creatorId,omitempty"`
	PushDateTime        Timestamp            `json:"pushDateTime,omitzero"`
	State               string               `json:"state,omitempty"`
	ContainingChanges   int                  `json:"containingChanges"`
	FileSize            int64                `json:"fileSize"`
	BriefcaseID         int                  `json:"briefcaseId"`
	GroupID             *string              `json:"groupId"`
	Application         *Application         `json:"application,omitempty"`
	SynchronizationInfo *SynchronizationInfo `json:"synchronizationInfo,omitempty"`
	Links               *ChangesetLinks      `json:"_links,omitempty"`
	Representation      bool                 `json:"-"`
}

// MarshalJSON writes the representation's nulls when Representation is set (see Changeset).
func (c Changeset) MarshalJSON() ([]byte, error) {
	type plain Changeset
	if !c.Representation {
		return json.Marshal(plain(c))
	}
	type links struct {
		Self                         *Link `json:"self,omitempty"`
		Creator                      *Link `json:"creator,omitempty"`
		NamedVersion                 *Link `json:"namedVersion"`
		CurrentOrPrecedingCheckpoint *Link `json:"currentOrPrecedingCheckpoint"`
		Download                     *Link `json:"download"`
	}
	l := &links{}
	if c.Links != nil {
		l = &links{c.Links.Self, c.Links.Creator, c.Links.NamedVersion, c.Links.CurrentOrPrecedingCheckpoint, c.Links.Download}
	}
	return json.Marshal(struct {
		plain
		Application         *Application         `json:"application"`
		SynchronizationInfo *SynchronizationInfo `json:"synchronizationInfo"`
		Links               *links               `json:"_links"`
	}{plain(c), c.Application, c.SynchronizationInfo, l})
}

// Application names the program that pushed a changeset.
type Application struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SynchronizationInfo links a changeset to the synchronization task that pushed it.
type SynchronizationInfo struct {
	TaskID       string   `json:"taskId"`
	ChangedFiles []string `json:"changedFiles"`
}

// ChangesetLinks are a changeset's links.
type ChangesetLinks struct {
	Self                         *Link `json:"self,omitempty"`
	Creator                      *Link `json:"creator,omitempty"`
	NamedVersion                 *Link `json:"namedVersion,omitempty"`
	CurrentOrPrecedingCheckpoint *Link `json:"currentOrPrecedingCheckpoint,omitempty"`
	Download                     *Link `json:"download,omitempty"`
}

// ChangesetEnvelope wraps one changeset.
type ChangesetEnvelope struct {
	Changeset Changeset `json:"changeset"`
}

// ChangesetList is a page of changesets.
type ChangesetList struct {
	Changesets []Changeset `json:"changesets"`
	Links      PagingLinks `json:"_links"`
}

// --- Storage (§9.4) ---

// StorageFile is a Storage file.
type StorageFile struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	Size                      int64         `json:"size"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// StorageFolder is a Storage folder.
type StorageFolder struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// StorageItem is an entry of a mixed folder listing; Type tells "file" from "folder".
type StorageItem struct {
	ID                        string        `json:"id"`
	Type                      string        `json:"type"`
	DisplayName               string        `json:"displayName"`
	Description               string        `json:"description,omitempty"`
	Path                      string        `json:"path,omitempty"`
	Size                      *int64        `json:"size,omitempty"`
	LastModifiedByDisplayName string        `json:"lastModifiedByDisplayName,omitempty"`
	CreatedDateTime           Timestamp     `json:"createdDateTime,omitzero"`
	LastModifiedDateTime      Timestamp     `json:"lastModifiedDateTime,omitzero"`
	ParentFolderID            string        `json:"parentFolderId,omitempty"`
	Links                     *StorageLinks `json:"_links,omitempty"`
}

// Storage item types.
const (
	StorageTypeFile   = "file"
	StorageTypeFolder = "folder"
)

// StorageLinks are the links of a storage item.
type StorageLinks struct {
	CreatedBy      *Link `json:"createdBy,omitempty"`
	LastModifiedBy *Link `json:"lastModifiedBy,omitempty"`
	ParentFolder   *Link `json:"parentFolder,omitempty"`
}

// StorageFileEnvelope wraps one file.
type StorageFileEnvelope struct {
	File StorageFile `json:"file"`
}

// StorageFolderEnvelope wraps one folder.
type StorageFolderEnvelope struct {
	Folder StorageFolder `json:"folder"`
}

// StorageItemList is a mixed listing (top-level or folder list).
type StorageItemList struct {
	Items []StorageItem    `json:"items"`
	Links StorageListLinks `json:"_links"`
}

// StorageListLinks are paging links plus, for the top-level listing, the root folder.
type StorageListLinks struct {
	Self   *Link `json:"self,omitempty"`
	Prev   *Link `json:"prev,omitempty"`
	Next   *Link `json:"next,omitempty"`
	Folder *Link `json:"folder,omitempty"`
}

// StorageFileList is a folder's files.
type StorageFileList struct {
	Files []StorageFile `json:"files"`
	Links PagingLinks   `json:"_links"`
}

// StorageFolderList is a folder's sub-folders.
type StorageFolderList struct {
	Folders []StorageFolder `json:"folders"`
	Links   PagingLinks     `json:"_links"`
}

// StorageItemCreate is the body that creates a folder or file, or patches one.
type StorageItemCreate struct {
	DisplayName string `json:"displayName,omitempty"`
	Description string `json:"description,omitempty"`
}

// StorageItemUpdate is the PATCH body of a folder or file. Nil fields are omitted and keep their values; a
// non-nil "" is sent, so a description can be cleared.
type StorageItemUpdate struct {
	DisplayName *string `json:"displayName,omitempty"`
	Description *string `json:"description,omitempty"`
}

// UploadLinks is the 202 answer of file create and update-content.
type UploadLinks struct {
	Links UploadLinkSet `json:"_links"`
}

// UploadLinkSet holds the pre-signed upload URL and the completion URL.
type UploadLinkSet struct {
	UploadURL   *Link `json:"uploadUrl,omitempty"`
	CompleteURL *Link `json:"completeUrl,omitempty"`
}

// --- Webhooks v2 (§12) ---

// Webhook scopes.
const (
	WebhookScopeAccount = "Account"
	WebhookScopeITwin   = "iTwin"
)

// Event types a synchronization touches (spec §12).
const (
	EventJobCompleted        = "synchronization.jobCompleted.v1"
	EventIModelCreated       = "iModels.iModelCreated.v1"
	EventIModelDeleted       = "iModels.iModelDeleted.v1"
	EventChangesReady        = "iModels.changesReady.v1"
	EventNamedVersionCreated = "iModels.namedVersionCreated.v1"
)

// WebhookEventTypes lists the known event types, in the order of the spec.
var WebhookEventTypes = []string{EventJobCompleted, EventIModelCreated, EventIModelDeleted, EventChangesReady, EventNamedVersionCreated}

// Webhook is a webhook as GET and PATCH return it (unwrapped). Secret is set only in the create answer.
type Webhook struct {
	ID          string    `json:"id"`
	Scope       string    `json:"scope"`
	ScopeID     string    `json:"scopeId"`
	Active      bool      `json:"active"`
	CallbackURL string    `json:"callbackUrl"`
	EventTypes  []string  `json:"eventTypes"`
	Created     Timestamp `json:"created,omitzero"`
	Modified    Timestamp `json:"modified,omitzero"`
	Secret      string    `json:"secret,omitempty"`
}

// WebhookCreate is the POST /webhooks body. A webhook starts inactive; without Secret the server generates one.
type WebhookCreate struct {
	CallbackURL string   `json:"callbackUrl"`
	Scope       string   `json:"scope"`
	ScopeID     string   `json:"scopeId,omitempty"`
	EventTypes  []string `json:"eventTypes"`
	Secret      string   `json:"secret,omitempty"`
}

// WebhookUpdate is the PATCH /webhooks/{id} body (merge; EventTypes replaces the whole list when present).
type WebhookUpdate struct {
	Active      *bool    `json:"active,omitempty"`
	CallbackURL *string  `json:"callbackUrl,omitempty"`
	EventTypes  []string `json:"eventTypes,omitempty"`
	Secret      *string  `json:"secret,omitempty"`
}

// WebhookList is the caller's webhooks (no paging).
type WebhookList struct {
	Webhooks []Webhook `json:"webhooks"`
}

// EnqueuedDateTimeLayout is the culture format of WebhookEvent.EnqueuedDateTime (UTC), e.g. "11/3/2023 8:07:01 PM".
const EnqueuedDateTimeLayout = "1/2/2006 3:04:05 PM"

// WebhookEvent is the body POSTed to a callback URL. Content depends on EventType.
type WebhookEvent struct {
	Content          json.RawMessage `json:"content"`
	EventType        string          `json:"eventType"`
	EnqueuedDateTime string          `json:"enqueuedDateTime"`
	ITwinID          string          `json:"iTwinId"`
	MessageID        string          `json:"messageId"`
	WebhookID        string          `json:"webhookId"`
}

// JobCompletedContent is the content of synchronization.jobCompleted.v1. Result is the run result with a lower-case
// first letter ("success", "partialSuccess", …); compare it case-insensitively.
type JobCompletedContent struct {
	SynchronizationID string `json:"synchronizationId"`
	IModelID          string `json:"iModelId"`
	ConnectionID      string `json:"connectionId"`
	Result            string `json:"result"`
}

// ChangesReadyContent is the content of iModels.changesReady.v1 (note the lower-case m of imodelId).
type ChangesReadyContent struct {
	IModelID       string `json:"imodelId"`
	ChangesetID    string `json:"changesetId"`
	ChangesetIndex int    `json:"changesetIndex"`
}

// IModelEventContent is the content of iModels.iModelCreated.v1 and iModels.iModelDeleted.v1.
type IModelEventContent struct {
	IModelID string `json:"imodelId"`
	UserID   string `json:"userId"`
}

// Folder is the item as a StorageFolder (a listing carries the same fields as GET of the folder).
func (i StorageItem) Folder() StorageFolder {
	return StorageFolder{ID: i.ID, Type: i.Type, DisplayName: i.DisplayName, Description: i.Description, Path: i.Path,
		LastModifiedByDisplayName: i.LastModifiedByDisplayName, CreatedDateTime: i.CreatedDateTime,
		LastModifiedDateTime: i.LastModifiedDateTime, ParentFolderID: i.ParentFolderID, Links: i.Links}
}

// File is the item as a StorageFile (a listing carries the same fields as GET of the file).
func (i StorageItem) File() StorageFile {
	f := StorageFile{ID: i.ID, Type: i.Type, DisplayName: i.DisplayName, Description: i.Description, Path: i.Path,
		LastModifiedByDisplayName: i.LastModifiedByDisplayName, CreatedDateTime: i.CreatedDateTime,
		LastModifiedDateTime: i.LastModifiedDateTime, ParentFolderID: i.ParentFolderID, Links: i.Links}
	if i.Size != nil {
		f.Size = *i.Size
	}
	return f
}
