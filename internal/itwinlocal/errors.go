package itwinlocal

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// APIError is an error answer in the §1.6 envelope.
type APIError struct {
	Status  int
	Code    string
	Message string
	Details []wire.ErrorDetail
}

func (e *APIError) Error() string {
	if len(e.Details) > 0 {
		return fmt.Sprintf("%d %s: %s (%s: %s)", e.Status, e.Code, e.Message, e.Details[0].Target, e.Details[0].Message)
	}
	return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
}

func apiErr(status int, code, message string) *APIError {
	return &APIError{Status: status, Code: code, Message: message}
}

// Detail codes (§8.2).
const (
	detailInvalid = "InvalidValue"
	detailMissing = "MissingRequiredProperty"
)

const cannotPerform = "Cannot perform operation."

// validation builds a 422 with the family code and one detail.
func validation(family, detailCode, target, message string) *APIError {
	if message == "" {
		if detailCode == detailMissing {
			message = target + " is required."
		} else {
			message = "Provided " + target + " value is not valid."
		}
	}
	return &APIError{Status: http.StatusUnprocessableEntity, Code: family, Message: cannotPerform,
		Details: []wire.ErrorDetail{{Code: detailCode, Message: message, Target: target}}}
}

func missingBody(msg string) *APIError {
	return &APIError{Status: http.StatusUnprocessableEntity, Code: "MissingRequestBody", Message: cannotPerform,
		Details: []wire.ErrorDetail{{Code: "MissingRequestBody", Message: msg}}}
}

// 422 family codes (§8.2).
const (
	famStorageConn       = "InvalidStorageConnectionRequest"
	famStorageSourceFile = "InvalidStorageConnectionSourceFileRequest"
	famManifestConn      = "InvalidManifestConnectionRequest"
	famManifestSource    = "InvalidManifestConnectionSourceFileRequest"
	famConnections       = "InvalidConnectionRequest"
	famAuthInfo          = "InvalidAuthorizationInformationRequest"
	famConfig            = "InvalidConfigurationRequest"
	famReports           = "InvalidBadgersRequest"
	famIModels           = "InvalidiModelsRequest"
	famITwins            = "InvalidiTwinsRequest"  // (local) the spec names none
	famStorage           = "InvalidStorageRequest" // (local) the spec names only InvalidCreateFolderRequest
	famFolderCreate      = "InvalidCreateFolderRequest"
)

// Well-known errors (§8.1, §11a, §11b).
var (
	errStorageConnNotFound     = apiErr(404, "StorageConnectionNotFound", "Requested StorageConnection is not available.")
	errStorageRunNotFound      = apiErr(404, "StorageConnectionRunNotFound", "Requested StorageConnectionRun is not available.")
	errStorageSFNotFound       = apiErr(404, "StorageConnectionSourceFileNotFound", "Requested StorageConnectionSourceFile is not available.")
	errManifestConnNotFound    = apiErr(404, "ManifestConnectionNotFound", "Requested ManifestConnection is not available.")
	errManifestRunNotFound     = apiErr(404, "ManifestConnectionRunNotFound", "Requested ManifestConnectionRun is not available.")
	errManifestSFNotFound      = apiErr(404, "ManifestConnectionSourceFileNotFound", "Requested ManifestConnectionSourceFile is not available.")
	errConfigNotFound          = apiErr(404, "ConfigurationNotFound", "Requested Configuration is not available.")
	errIModelNotFound          = apiErr(404, "iModelNotFound", "Requested iModel is not available.")
	errITwinNotFound           = apiErr(404, "iTwinNotFound", "Requested iTwin is not available.")
	errFileNotFound            = apiErr(404, "FileNotFound", "Requested file is not available.")
	errFolderNotFound          = apiErr(404, "FolderNotFound", "Requested folder is not available.")
	errChangesetNotFound       = apiErr(404, "ChangesetNotFound", "Requested Changeset is not available.")
	errNamedVersionNotFound    = apiErr(404, "NamedVersionNotFound", "Requested Named Version is not available.")
	errNamedVersionNameTaken   = apiErr(409, "NamedVersionExists", "A Named Version with this name already exists in the iModel.")
	errChangesetHasVersion     = apiErr(409, "NamedVersionExists", "The changeset already has a Named Version.")
	errUserNotFound            = apiErr(404, "UserNotFound", "Requested user is not available.")
	errFileAlreadyMapped       = apiErr(409, "FileAlreadyMapped", "The SourceFile is already mapped to the iModel.")
	errConnectionInUse         = apiErr(409, "ConnectionAlreadyInUse", "Connection is already being processed.")
	errRunAlreadyRequested     = apiErr(409, "RunAlreadyRequested", "A run request is already being processed.")
	errConfigExists            = apiErr(409, "ConfigurationAlreadyExists", "A configuration already exists.")
	errTooManyConnections      = apiErr(409, "TooManyConnections", "The iModel already has the maximum number of connections.")
	errIModelExists            = apiErr(409, "iModelExists", "An iModel with this name already exists in the iTwin.")
	errInsufficientPermissions = apiErr(403, "InsufficientPermissions", "The user has insufficient permissions for the requested operation.")
	errHeaderNotFound          = apiErr(401, "HeaderNotFound", "Header Authorization was not found in the request. Access denied.")
	errInvalidAuthScheme       = apiErr(401, "InvalidAuthorizationScheme", "The Authorization header must use the Bearer scheme.")
	errUnauthorized            = apiErr(401, "Unauthorized", "The access token is invalid or has expired.")
	errRequiredScopeMissing    = apiErr(401, "RequiredScopeMissing", "The access token does not include the required scope.")
	errRateLimited             = apiErr(429, "RateLimitExceeded", "The client sent more requests than allowed by this API for the current tier of the client.")
	errRouteNotFound           = apiErr(404, "ResourceNotFound", "The requested resource does not exist.")
	errMethodNotAllowed        = apiErr(405, "MethodNotAllowed", "The HTTP method is not allowed on this resource.")
	errPayloadTooLarge         = apiErr(413, "PayloadTooLarge", "The request body is too large.")
	errInternal                = apiErr(500, "InternalServerError", "An internal error occurred.")
	errInjectedUnavailable     = apiErr(503, "ServiceUnavailable", "The service is temporarily unavailable (injected fault).")
	errBlobSignature           = apiErr(403, "AuthenticationFailed", "The signature of the pre-signed URL is invalid or has expired.")
	errMissingBlobTypeHeader   = apiErr(400, "MissingRequiredHeader", "An HTTP header that's mandatory for this request is not specified: x-ms-blob-type.")
)

// writeError writes the envelope with Content-Type application/json (§10 row 5).
func writeError(w http.ResponseWriter, e *APIError) {
	body := wire.ErrorEnvelope{Error: wire.ErrorBody{Code: e.Code, Message: e.Message, Details: e.Details}}
	writeJSON(w, e.Status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	// No HTML escaping: hrefs keep their literal "&" (clients compare Location and _links verbatim).
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	var b []byte
	if err := enc.Encode(v); err != nil {
		status = 500
		b = []byte(`{"error":{"code":"InternalServerError","message":"encoding failed"}}`)
	} else {
		b = bytes.TrimRight(buf.Bytes(), "\n")
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// writeNoBody answers without body or Content-Type (§10 row 4).
func writeNoBody(w http.ResponseWriter, status int) {
	w.Header().Del("Content-Type")
	w.WriteHeader(status)
}
