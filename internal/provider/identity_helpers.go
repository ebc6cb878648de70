package provider

// Resource identity (Terraform 1.12+). Every importable resource declares the attributes that address its remote
// object, stores them on every Create, Read and Update, and accepts them in an import block's `identity` as an
// alternative to the string import id. Read stores the identity before it calls the API, so a 404 that removes
// the resource still answers with one (otherwise the framework fails with "Missing Resource Identity After Read"
// for state written before identity support).

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

// idIdentity is the identity of an object addressed by its own server id.
type idIdentity struct {
	ID types.String `tfsdk:"id"`
}

// connectionChildIdentity is the identity of an object that lives under a connection (a source file mapping or a
// run): the API addresses it by both ids.
type connectionChildIdentity struct {
	ConnectionID types.String `tfsdk:"connection_id"`
	ID           types.String `tfsdk:"id"`
}

// imodelChildIdentity is the identity of an object that lives under an iModel (a named version).
type imodelChildIdentity struct {
	IModelID types.String `tfsdk:"imodel_id"`
	ID       types.String `tfsdk:"id"`
}

// idIdentitySchema describes idIdentity; what names the object ("iModel").
func idIdentitySchema(what string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the " + what + "."},
		},
	}
}

// childIdentitySchema describes the identity of an object the API addresses under a parent (connectionChildIdentity,
// imodelChildIdentity): parentAttr holds the id of the parent, which parent names ("storage connection"), and id
// that of the child, which child names within its parentKind ("connection").
func childIdentitySchema(parentAttr, parent, parentKind, child string) identityschema.Schema {
	return identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			parentAttr: identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the " + parent + "."},
			"id":       identityschema.StringAttribute{RequiredForImport: true, Description: "Id of the " + child + " within the " + parentKind + "."},
		},
	}
}

// setIdentity stores v as the resource's identity. identity is nil only when a resource method is called outside
// the framework's server (unit tests), where there is nothing to store.
func setIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, v any, diags *diag.Diagnostics) {
	if identity == nil {
		return
	}
	diags.Append(identity.Set(ctx, v)...)
}

// importByIdentity reports whether an import request carries an identity instead of a string id.
func importByIdentity(req resource.ImportStateRequest) bool {
	return req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull()
}

// identityString reads one required string attribute of the import identity, refusing an empty value with an
// error that names the attribute.
func identityString(ctx context.Context, req resource.ImportStateRequest, name string, diags *diag.Diagnostics) (string, bool) {
	var v types.String
	if d := req.Identity.GetAttribute(ctx, path.Root(name), &v); d.HasError() {
		diags.Append(d...)
		return "", false
	}
	if v.IsNull() || v.IsUnknown() || strings.TrimSpace(v.ValueString()) == "" {
		diags.AddError("Invalid import identity", fmt.Sprintf("The import identity attribute %q must be a non-empty string.", name))
		return "", false
	}
	return v.ValueString(), true
}

// importedID is the id to import: the string import id, or the identity's id.
func importedID(ctx context.Context, req resource.ImportStateRequest, diags *diag.Diagnostics) (string, bool) {
	if !importByIdentity(req) {
		if strings.TrimSpace(req.ID) == "" {
			diags.AddError("Invalid import id", "The import id must be the object's id, got an empty string.")
			return "", false
		}
		return req.ID, true
	}
	return identityString(ctx, req, "id", diags)
}

// importedChild returns the parent id and the child id of an object the API addresses by both: from a string
// import id of the form format ("<parent>/<id>"), or from the identity's parentAttr and id.
func importedChild(ctx context.Context, req resource.ImportStateRequest, format, parentAttr string, diags *diag.Diagnostics) (parentID, id string, ok bool) {
	if !importByIdentity(req) {
		if err := parseImportID(req.ID, format, &parentID, &id); err != nil {
			diags.AddError("Invalid import id", err.Error())
			return "", "", false
		}
		return parentID, id, true
	}
	parentID, okParent := identityString(ctx, req, parentAttr, diags)
	id, okID := identityString(ctx, req, "id", diags)
	return parentID, id, okParent && okID
}

// importIDState imports an object addressed by its own id (the string import id, or the identity's id) into the
// id attribute.
func importIDState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if id, ok := importedID(ctx, req, &resp.Diagnostics); ok {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	}
}

// importChildState imports an object addressed by parentAttr and id (either import form, see importedChild) into
// those two state attributes.
func importChildState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse, format, parentAttr string) bool {
	parentID, id, ok := importedChild(ctx, req, format, parentAttr, &resp.Diagnostics)
	if !ok {
		return false
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(parentAttr), parentID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	return !resp.Diagnostics.HasError()
}
