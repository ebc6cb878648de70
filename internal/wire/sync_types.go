package wire

// Synchronization API bodies (spec §3–§6): connections, source files, runs, configurations.

import (
	"encoding/json"
	"strings"
)

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
