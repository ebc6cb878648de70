package provider

import (
	"context"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timetypes/timetypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral"
	"github.com/hashicorp/terraform-plugin-framework/ephemeral/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

var _ ephemeral.EphemeralResourceWithConfigure = &storageFileURLEphemeral{}

// NewStorageFileURLEphemeralResource returns the itwin_storage_file_url ephemeral resource.
func NewStorageFileURLEphemeralResource() ephemeral.EphemeralResource {
	return &storageFileURLEphemeral{}
}

type storageFileURLEphemeral struct {
	client *itwin.Client
}

type storageFileURLModel struct {
	FileID    types.String      `tfsdk:"file_id"`
	URL       types.String      `tfsdk:"url"`
	ExpiresAt timetypes.RFC3339 `tfsdk:"expires_at"`
}

func (e *storageFileURLEphemeral) Metadata(_ context.Context, req ephemeral.MetadataRequest, resp *ephemeral.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_storage_file_url"
}

func (e *storageFileURLEphemeral) Schema(_ context.Context, _ ephemeral.SchemaRequest, resp *ephemeral.SchemaResponse) {
	resp.Schema = schema.Schema{
		Description: "A short-lived, pre-authenticated download URL of an iTwin Storage file, for example for the " +
			"write-only `url` of a manifest run's file. It is minted on every Terraform run and never stored in the " +
			"plan or state (requires Terraform 1.10 or later).",
		Attributes: map[string]schema.Attribute{
			"file_id": schema.StringAttribute{
				Required:    true,
				Description: "Id of the Storage file.",
				Validators:  []validator.String{stringvalidator.LengthAtLeast(1)},
			},
			"url": schema.StringAttribute{
				Computed:    true,
				Sensitive:   true,
				Description: "The pre-authenticated download URL (the target of the Storage API's download redirect). Anyone holding it can read the file until it expires.",
			},
			"expires_at": schema.StringAttribute{
				CustomType:  timetypes.RFC3339Type{},
				Computed:    true,
				Description: "When the URL stops working (RFC 3339, UTC), when the URL states it; null otherwise.",
			},
		},
	}
}

func (e *storageFileURLEphemeral) Configure(_ context.Context, req ephemeral.ConfigureRequest, resp *ephemeral.ConfigureResponse) {
	e.client, _ = configured(req.ProviderData, &resp.Diagnostics)
}

func (e *storageFileURLEphemeral) Open(ctx context.Context, req ephemeral.OpenRequest, resp *ephemeral.OpenResponse) {
	var m storageFileURLModel
	if !load(ctx, req.Config, &m, &resp.Diagnostics) {
		return
	}
	u, err := e.client.GetFileDownloadURL(ctx, m.FileID.ValueString())
	if err != nil {
		if itwin.IsNotFound(err) {
			resp.Diagnostics.AddAttributeError(path.Root("file_id"), "Storage file not found",
				"getting a download URL: no storage file "+m.FileID.ValueString()+" is visible to this client: "+err.Error())
			return
		}
		addAPIError(&resp.Diagnostics, "getting a download URL for the storage file", err, nil)
		return
	}
	// The URL is a credential: log only that one was minted.
	tflog.Debug(ctx, "minted a storage file download URL", map[string]any{"file_id": m.FileID.ValueString()})
	m.URL = types.StringValue(u)
	m.ExpiresAt = timetypes.NewRFC3339Null()
	if exp, ok := presignedURLExpiry(u); ok {
		m.ExpiresAt = timetypes.NewRFC3339ValueMust(exp.Format(time.RFC3339))
	}
	resp.Diagnostics.Append(resp.Result.Set(ctx, &m)...)
}
