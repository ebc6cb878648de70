package provider

import (
	"strings"
	"testing"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// canUserFix does not mean "fix the file": for an unsupported format the fix is the connector type, which the
// description says. The diagnostic must not contradict it.
func TestRunResultDiagnostics_CanUserFixDoesNotBlameTheFile(t *testing.T) {
	tg := runTarget{kind: wire.KindStorage, connectionID: "c1"}
	unsupported := wire.Task{ID: "t", StorageFileID: "f", State: wire.StateCompleted, Result: wire.ResultError,
		Error: &wire.TaskError{ErrorCode: "TAE_UNSUPPORTED_FORMAT", Message: "Unsupported file format.",
			Description: "Map the file with a connector type that accepts it.", CanUserFix: true}}
	r := run(wire.StateCompleted, wire.ResultError, wire.Job{ConnectorType: "IFC", Tasks: []wire.Task{unsupported}})
	diags := runResultDiagnostics(tg, callerResource, &r, []string{wire.ResultSuccess}, map[string]string{"f": "a.dwg"})
	if diags.ErrorsCount() != 1 {
		t.Fatalf("diags = %v", diags)
	}
	d := diags.Errors()[0].Detail()
	if strings.Contains(d, "fixed in the source file") || !strings.Contains(d, "you can fix (see above)") {
		t.Errorf("detail:\n%s", d)
	}
	unsupported.Error.Description = ""
	r.Jobs[0].Tasks[0] = unsupported
	d = runResultDiagnostics(tg, callerResource, &r, []string{wire.ResultSuccess}, nil).Errors()[0].Detail()
	if !strings.Contains(d, "connector type") {
		t.Errorf("without a description the hint names both places:\n%s", d)
	}
}
