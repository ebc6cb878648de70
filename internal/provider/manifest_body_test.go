package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// A document property without a value cannot be sent. It used to be dropped silently while the body was built (the
// conversion's diagnostics were ignored), so the run went out without it; now plan and apply both report it on the
// property.
func TestManifestBody_NullDocumentPropertyIsAnError(t *testing.T) {
	props := types.MapValueMust(types.StringType, map[string]attr.Value{"Revision": types.StringValue("C"), "Owner": types.StringNull()})
	child := manifestChildModel{SourceFileID: types.StringValue("dms-2"), Name: types.StringValue("ref.dgn"), URL: types.StringValue("u"),
		ConnectorType: types.StringValue("MSTN"), DocumentAttribute: &documentAttributeModel{ClassName: types.StringValue("Docs:Link"), Properties: props}}
	files := []manifestFileModel{masterFile("dms-1", "master.dgn", "u", child)}
	want := path.Root("source_files").AtListIndex(0).AtName("children").AtListIndex(0).AtName("document_attribute").AtName("properties").AtMapKey("Owner")

	for name, run := range map[string]func(*diag.Diagnostics){
		"plan":  func(d *diag.Diagnostics) { validateManifestFiles(files, d) },
		"apply": func(d *diag.Diagnostics) { manifestBody(context.Background(), types.StringNull(), files, d) },
	} {
		var diags diag.Diagnostics
		run(&diags)
		if diags.ErrorsCount() != 1 {
			t.Fatalf("%s: diags = %v, want one error", name, diags)
		}
		if e, ok := diags.Errors()[0].(diag.DiagnosticWithPath); !ok || !e.Path().Equal(want) {
			t.Errorf("%s: error %v, want it on %s", name, diags.Errors()[0], want)
		}
	}

	// With values only, the body carries every property.
	child.DocumentAttribute.Properties = types.MapValueMust(types.StringType, map[string]attr.Value{"Revision": types.StringValue("C")})
	var diags diag.Diagnostics
	body := manifestBody(context.Background(), types.StringNull(), []manifestFileModel{masterFile("dms-1", "master.dgn", "u", child)}, &diags)
	if diags.HasError() || body.SourceFiles[0].Children[0].DocumentAttribute.Properties["Revision"] != "C" {
		t.Errorf("body %+v, diags %v", body, diags)
	}
}
