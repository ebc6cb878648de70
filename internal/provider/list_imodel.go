package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var _ list.ListResourceWithConfigure = &imodelListResource{}

// NewIModelListResource lists the iModels of an iTwin.
func NewIModelListResource() list.ListResource {
	return &imodelListResource{resourceBase{typeName: "_imodel"}}
}

type imodelListResource struct {
	resourceBase
}

type imodelListConfig struct {
	ITwinID types.String `tfsdk:"itwin_id"`
}

func (r *imodelListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("Lists the iModels of an iTwin with their identity and, with `include_resource = true`, the full resource.",
		"itwin_id", "Id of the iTwin whose iModels are listed.")
}

func (r *imodelListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg imodelListConfig
	streamList(ctx, req, stream, r.client, &cfg, func(e *listEmitter) {
		noTimeouts, d := nullAttribute[timeouts.Value](ctx, req, path.Root("timeouts"))
		if d.HasError() {
			e.fail(d)
			return
		}
		var err error
		for im := range eachOK(r.client.EachIModel(ctx, cfg.ITwinID.ValueString(), itwin.IModelListOptions{}), &err) {
			m := imodelModel{Timeouts: noTimeouts}
			m.fillFrom(&im)
			if !e.emit(imodelDisplayName(&im), idIdentity{ID: m.ID}, &m) {
				return
			}
		}
		if err != nil {
			e.fail(listCallError("listing the iModels of the iTwin", err, "itwin_id", "iTwin", cfg.ITwinID.ValueString(), accessIModels))
		}
	})
}

// imodelDisplayName: "Riverside Pavilion (iModel, created 2025-03-14)", with its state unless it is ready.
func imodelDisplayName(im *wire.IModel) string {
	var extra string
	if !im.CreatedDateTime.IsZero() {
		extra = ", created " + im.CreatedDateTime.UTC().Format("2006-01-02")
	}
	if im.State != "" && im.State != wire.IModelStateInitialized {
		extra += ", " + im.State
	}
	return fmt.Sprintf("%s (iModel%s)", imodelName(im), extra)
}

// nullAttribute returns the null value of a resource attribute, typed as the resource schema declares it (for
// attributes whose Go type carries its own attribute types, such as timeouts).
func nullAttribute[T attr.Value](ctx context.Context, req list.ListRequest, p path.Path) (T, diag.Diagnostics) {
	var zero T
	t, diags := req.ResourceSchema.TypeAtPath(ctx, p)
	if diags.HasError() {
		return zero, diags
	}
	v, err := t.ValueFromTerraform(ctx, tftypes.NewValue(t.TerraformType(ctx), nil))
	if err != nil {
		diags.AddAttributeError(p, "Cannot build the resource object", err.Error())
		return zero, diags
	}
	typed, ok := v.(T)
	if !ok {
		diags.AddAttributeError(p, "Cannot build the resource object", fmt.Sprintf("The attribute has type %T, not %T. This is a bug in the provider.", v, zero))
	}
	return typed, diags
}
