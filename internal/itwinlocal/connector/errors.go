package connector

import (
	"fmt"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// Task error codes of the local connectors (spec §11k).
const (
	CodeFileNotFound      = "TAE_FILE_NOT_FOUND"
	CodeUnsupportedFormat = "TAE_UNSUPPORTED_FORMAT"
	CodeParseError        = "TAE_PARSE_ERROR"
	CodeTimeout           = "TAE_TIMEOUT"
)

// Error is a connector failure that becomes a task error (spec §11k).
type Error struct {
	Code    string // one of the Code* constants
	Message string // the fixed message of the code (spec §11k)
	Details string // what exactly went wrong, e.g. "line 42: unterminated string"
	Line    int    // 1-based line of the problem in the source file; 0 when not known or not line-based
	cause   error
}

func newError(code string, line int, format string, args ...any) *Error {
	details := fmt.Sprintf(format, args...)
	if line > 0 {
		details = fmt.Sprintf("line %d: %s", line, details)
	}
	return &Error{Code: code, Message: Info(code).Message, Details: details, Line: line}
}

func parseError(line int, format string, args ...any) *Error {
	return newError(CodeParseError, line, format, args...)
}

// Error returns "CODE: details" (or the code's message when there are no details).
func (e *Error) Error() string {
	if e.Details != "" {
		return e.Code + ": " + e.Details
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause, e.g. context.DeadlineExceeded for TAE_TIMEOUT.
func (e *Error) Unwrap() error { return e.cause }

// TaskError builds the wire task error (spec §4.2, §11k) for a task that failed in the given phase
// ("Preprocessor", "MasterFile" or "ReferenceFile").
func (e *Error) TaskError(phase string) wire.TaskError {
	info := Info(e.Code)
	msg := e.Message
	if msg == "" {
		msg = info.Message
	}
	return wire.TaskError{
		ErrorCode:      e.Code,
		Message:        msg,
		Details:        e.Details,
		Description:    info.Description,
		DescriptionKey: info.DescriptionKey,
		BridgeExitCode: info.BridgeExitCode,
		System:         "Connector",
		Phase:          phase,
		Category:       info.Category,
		KbArticleLink:  "",
		CanUserFix:     info.CanUserFix,
	}
}

// ErrorInfo is one row of the task error table (spec §11k). Description is the free-text explanation the
// local server puts in the task error's description.
type ErrorInfo struct {
	Code, Message, Category, DescriptionKey, Description string
	CanUserFix                                           bool
	BridgeExitCode                                       int
}

var errorTable = []ErrorInfo{
	{Code: CodeFileNotFound, Message: "The source file could not be found.", Category: "user", CanUserFix: true, BridgeExitCode: -1001, DescriptionKey: "FileNotFound",
		Description: "The Storage file no longer exists, or the manifest URL answered 404 or 403. Upload the file again or fix the URL, then start a new run."},
	{Code: CodeUnsupportedFormat, Message: "The file format is not supported by this connector.", Category: "user", CanUserFix: true, BridgeExitCode: -1002, DescriptionKey: "UnsupportedFormat",
		Description: "The file's extension is not one this connector type handles. Map the file with a connector type that accepts it."},
	{Code: CodeParseError, Message: "The file could not be read.", Category: "user", CanUserFix: true, BridgeExitCode: -1003, DescriptionKey: "ParseError",
		Description: "The connector could not read the file's content. Check the details, fix or re-export the file, then start a new run."},
	{Code: CodeTimeout, Message: "Processing the file did not finish in time.", Category: "system", CanUserFix: false, BridgeExitCode: -1004, DescriptionKey: "Timeout",
		Description: "The connector did not finish in time; the task was retried. Start a new run later."},
}

// Info returns the spec §11k row of code. An unknown code gets a generic system row (its Message is the code).
func Info(code string) ErrorInfo {
	for _, i := range errorTable {
		if i.Code == code {
			return i
		}
	}
	return ErrorInfo{Code: code, Message: code, Category: "system", DescriptionKey: code, Description: "Unknown connector error.", BridgeExitCode: -1}
}
