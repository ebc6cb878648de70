package provider

import (
	"context"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-jsontypes/jsontypes"
	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/resourcevalidator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var (
	_ resource.Resource                     = &syncConfigurationResource{}
	_ resource.ResourceWithConfigure        = &syncConfigurationResource{}
	_ resource.ResourceWithImportState      = &syncConfigurationResource{}
	_ resource.ResourceWithIdentity         = &syncConfigurationResource{}
	_ resource.ResourceWithConfigValidators = &syncConfigurationResource{}
	_ resource.ResourceWithValidateConfig   = &syncConfigurationResource{}
	_ resource.ResourceWithModifyPlan       = &syncConfigurationResource{}
)

// NewSyncConfigurationResource manages the synchronization configuration stored at one scope.
func NewSyncConfigurationResource() resource.Resource {
	return &syncConfigurationResource{resourceBase{typeName: "_sync_configuration"}}
}

type syncConfigurationResource struct {
	resourceBase
}

func (r *syncConfigurationResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	attrs := map[string]schema.Attribute{
		"id": computedStringAttribute("The scope of the configuration, in the import form: `itwins/<itwin_id>`, `imodels/<imodel_id>` or `connections/<connection_id>`."),
		"additional_settings": schema.StringAttribute{
			CustomType: jsontypes.NormalizedType{},
			Optional:   true,
			Description: "A JSON-encoded object (use `jsonencode`) of flags this provider version does not know yet, merged into the " +
				"request body as they are, for example `jsonencode({ someNewFlag = true })`. Compared semantically, so the key order and " +
				"spacing of what the server stores never cause a diff (reformatting the value in the configuration shows as an " +
				"in-place update that sends nothing). Keys must not name a flag that has its own attribute (plan-time error). When set, it is " +
				"refreshed to the unknown flags stored at the scope, so flags added outside Terraform show as drift; when not set, " +
				"unknown flags stored remotely are ignored. An import records the unknown flags the scope stores here (so " +
				"configuration written by `terraform query -generate-config-out` keeps them).",
		},
		"resolved_settings": schema.MapAttribute{
			Computed:    true,
			ElementType: types.StringType,
			Description: "The effective value of every flag at this scope, keyed by the flag's wire name (for example " +
				"`squashIntermediateRevisions`): the defaults, overridden by the iTwin's settings, then the iModel's, then the " +
				"connection's, as far as they apply to the scope. Values are strings (`\"true\"`, `\"false\"`, `\"2\"`) so flags unknown to " +
				"this provider fit too; use `tobool()`/`tonumber()`. Unknown in the plan when a setting of this resource changes, and " +
				"refreshed on every read because changes at a parent scope change it too.",
		},
	}
	for _, s := range configScopes {
		attrs[s.IDAttr] = schema.StringAttribute{
			Optional: true,
			Description: fmt.Sprintf("Id of the %s whose configuration this resource manages. Exactly one of `itwin_id`, `imodel_id` and "+
				"`connection_id` must be set; changing it replaces the resource.", s.Display),
			Validators:    []validator.String{stringvalidator.LengthAtLeast(1)},
			PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
		}
	}
	for _, fa := range flagAttrs {
		desc := flagDescription(fa.Flag) + " Null means not set at this scope: the value is inherited."
		if fa.Flag.Type == wire.FlagInt {
			attrs[fa.Attr] = schema.Int64Attribute{
				Optional:    true,
				Description: desc,
				Validators:  []validator.Int64{int64validator.Between(fa.Flag.Min, fa.Flag.Max)},
			}
			continue
		}
		attrs[fa.Attr] = schema.BoolAttribute{Optional: true, Description: desc}
	}
	resp.Schema = schema.Schema{
		Description: "Manages the synchronization configuration (connector flags) stored at one scope: an iTwin, an iModel or a " +
			"connection. A connection's runs use the flags resolved through its iModel and that iModel's iTwin. Each known flag " +
			"belongs to exactly one scope; setting it on another scope is rejected at plan time. The resource owns the whole " +
			"configuration of its scope: flags stored there but not configured are removed on apply. The Configurations API is a " +
			"Technical Preview in the public service.",
		Attributes: attrs,
	}
}

// configIdentity addresses a configuration by its scope: the kind of object and that object's id.
type configIdentity struct {
	Scope   types.String `tfsdk:"scope"`
	ScopeID types.String `tfsdk:"scope_id"`
}

func newConfigIdentity(s configScope, id string) configIdentity {
	return configIdentity{Scope: types.StringValue(s.Scope), ScopeID: types.StringValue(id)}
}

func (r *syncConfigurationResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"scope": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Kind of object the configuration belongs to: `itwin`, `imodel` or `connection`.",
			},
			"scope_id": identityschema.StringAttribute{
				RequiredForImport: true,
				Description:       "Id of the iTwin, iModel or connection the configuration belongs to.",
			},
		},
	}
}

func (r *syncConfigurationResource) ConfigValidators(_ context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{
		resourcevalidator.ExactlyOneOf(path.MatchRoot("itwin_id"), path.MatchRoot("imodel_id"), path.MatchRoot("connection_id")),
	}
}

// configData is the resource (and its plan or config) with the generated flag attributes kept in a map, since a
// static struct cannot follow the catalog.
type configData struct {
	ID         types.String
	ScopeIDs   map[string]types.String // by attribute name
	Additional jsontypes.Normalized
	Resolved   types.Map
	Flags      map[string]attr.Value // by attribute name: types.Bool or types.Int64
}

type attrGetter interface {
	GetAttribute(ctx context.Context, p path.Path, target any) diag.Diagnostics
}

type attrSetter interface {
	SetAttribute(ctx context.Context, p path.Path, val any) diag.Diagnostics
}

func readConfigData(ctx context.Context, g attrGetter, diags *diag.Diagnostics) configData {
	d := configData{ScopeIDs: map[string]types.String{}, Flags: map[string]attr.Value{}}
	diags.Append(g.GetAttribute(ctx, path.Root("id"), &d.ID)...)
	diags.Append(g.GetAttribute(ctx, path.Root("additional_settings"), &d.Additional)...)
	diags.Append(g.GetAttribute(ctx, path.Root("resolved_settings"), &d.Resolved)...)
	for _, s := range configScopes {
		var v types.String
		diags.Append(g.GetAttribute(ctx, path.Root(s.IDAttr), &v)...)
		d.ScopeIDs[s.IDAttr] = v
	}
	for _, fa := range flagAttrs {
		if fa.Flag.Type == wire.FlagInt {
			var v types.Int64
			diags.Append(g.GetAttribute(ctx, path.Root(fa.Attr), &v)...)
			d.Flags[fa.Attr] = v
		} else {
			var v types.Bool
			diags.Append(g.GetAttribute(ctx, path.Root(fa.Attr), &v)...)
			d.Flags[fa.Attr] = v
		}
	}
	return d
}

func (d configData) write(ctx context.Context, s attrSetter, diags *diag.Diagnostics) {
	diags.Append(s.SetAttribute(ctx, path.Root("id"), d.ID)...)
	diags.Append(s.SetAttribute(ctx, path.Root("additional_settings"), d.Additional)...)
	diags.Append(s.SetAttribute(ctx, path.Root("resolved_settings"), d.Resolved)...)
	for _, sc := range configScopes {
		diags.Append(s.SetAttribute(ctx, path.Root(sc.IDAttr), d.ScopeIDs[sc.IDAttr])...)
	}
	for _, fa := range flagAttrs {
		v, ok := d.Flags[fa.Attr]
		if !ok {
			v = flagNullValue(fa.Flag)
		}
		diags.Append(s.SetAttribute(ctx, path.Root(fa.Attr), v)...)
	}
}

// scope returns the selected scope and its id; ok is false unless exactly one scope id is set.
func (d configData) scope() (configScope, types.String, bool) {
	var found []configScope
	for _, s := range configScopes {
		if !d.ScopeIDs[s.IDAttr].IsNull() {
			found = append(found, s)
		}
	}
	if len(found) != 1 {
		return configScope{}, types.StringNull(), false
	}
	return found[0], d.ScopeIDs[found[0].IDAttr], true
}

// settings is the flat body this data asks for: every non-null typed flag plus additional_settings.
func (d configData) settings() (map[string]any, error) {
	out := map[string]any{}
	if !d.Additional.IsNull() && !d.Additional.IsUnknown() {
		extra, err := parseAdditionalSettings(d.Additional.ValueString())
		if err != nil {
			return nil, err
		}
		for k, v := range extra {
			out[k] = v
		}
	}
	for _, fa := range flagAttrs {
		if v := d.Flags[fa.Attr]; v != nil && !v.IsNull() && !v.IsUnknown() {
			out[fa.Flag.Name] = flagValueToWire(v)
		}
	}
	return out, nil
}

// refresh overwrites the data with a configuration read from the server. additional_settings is refreshed only
// when it is set, so unknown flags managed elsewhere never cause a perpetual diff.
func (d *configData) refresh(s configScope, scopeID string, cfg *wire.Configuration, diags *diag.Diagnostics) {
	d.ID = types.StringValue(configScopeID(s, scopeID))
	for _, sc := range configScopes {
		if sc.Scope == s.Scope {
			d.ScopeIDs[sc.IDAttr] = types.StringValue(scopeID)
		} else {
			d.ScopeIDs[sc.IDAttr] = types.StringNull()
		}
	}
	for _, fa := range flagAttrs {
		raw, present := cfg.Settings[fa.Flag.Name]
		if !present || raw == nil {
			d.Flags[fa.Attr] = flagNullValue(fa.Flag)
			continue
		}
		v, ok := flagValueFromWire(fa.Flag, raw)
		if !ok {
			diags.AddAttributeWarning(path.Root(fa.Attr), "Unexpected setting value from the server",
				fmt.Sprintf("The server stores %s = %s at %s, which is not a %s; the attribute is shown as not set.", fa.Flag.Name, wireString(raw), configScopeID(s, scopeID), fa.Flag.Type))
		}
		d.Flags[fa.Attr] = v
	}
	if !d.Additional.IsNull() {
		extra, err := compactJSON(unknownFlagSettings(cfg.Settings))
		if err != nil {
			diags.AddError("Cannot encode additional_settings", err.Error())
		} else {
			d.Additional = jsontypes.NewNormalizedValue(extra)
		}
	}
	d.Resolved = settingsMapValue(cfg.ResolvedSettings)
}

func (r *syncConfigurationResource) ValidateConfig(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	d := readConfigData(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	validateConfigData(d, &resp.Diagnostics)
}

func (r *syncConfigurationResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return // destroy
	}
	plan := readConfigData(ctx, req.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	if r.client != nil {
		checkLocalFlags(plan, r.client.BaseURL(), &resp.Diagnostics)
	}
	s, scopeID, ok := plan.scope()
	if !ok {
		return
	}
	changed := true
	if !req.State.Raw.IsNull() {
		state := readConfigData(ctx, req.State, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		changed = configChanged(state, plan)
		if !changed {
			plan.Resolved = state.Resolved
		}
	}
	if scopeID.IsUnknown() {
		plan.ID = types.StringUnknown()
	} else {
		plan.ID = types.StringValue(configScopeID(s, scopeID.ValueString()))
	}
	if changed {
		plan.Resolved = types.MapUnknown(types.StringType)
	}
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("id"), plan.ID)...)
	resp.Diagnostics.Append(resp.Plan.SetAttribute(ctx, path.Root("resolved_settings"), plan.Resolved)...)
}

func (r *syncConfigurationResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan := readConfigData(ctx, req.Plan, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	s, scopeID, ok := plan.scope()
	if !ok {
		resp.Diagnostics.AddError("Missing scope", "Exactly one of itwin_id, imodel_id and connection_id must be set.")
		return
	}
	// ModifyPlan already refused these, unless the provider was not configured at plan time.
	if checkLocalFlags(plan, r.client.BaseURL(), &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	body, err := plan.settings()
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("additional_settings"), "Invalid additional_settings", err.Error())
		return
	}
	id := scopeID.ValueString()
	tflog.Debug(ctx, "creating sync configuration", map[string]any{"scope": s.Scope, "scope_id": id, "flags": sortedKeys(body)})
	cfg, err := r.client.CreateConfiguration(ctx, s.Scope, id, body)
	if err != nil {
		if itwin.ErrorCode(err) == "ConfigurationAlreadyExists" || itwin.IsConflict(err) {
			resp.Diagnostics.AddAttributeError(path.Root(s.IDAttr), "Configuration already exists",
				fmt.Sprintf("The %s %s already has a synchronization configuration (%v). Bring it under Terraform instead of creating it:\n\n  terraform import itwin_sync_configuration.<name> %s\n\nor add an import block with id = %q.",
					s.Display, id, err, configScopeID(s, id), configScopeID(s, id)))
			return
		}
		if itwin.IsNotFound(err) {
			// The only 404 of a POST is the scope object's own (iTwinNotFound, iModelNotFound, …).
			resp.Diagnostics.AddAttributeError(path.Root(s.IDAttr), "Scope not found",
				fmt.Sprintf("Cannot create the sync configuration: the %s %s does not exist or this client has no access to it (%v).", s.Display, id, err))
			return
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("creating the sync configuration of %s %s", s.Display, id), err, configErrorTargets(s, body))
		return
	}
	setIdentity(ctx, resp.Identity, newConfigIdentity(s, id), &resp.Diagnostics)
	r.finishWrite(ctx, plan, s, id, cfg, &resp.State, &resp.Diagnostics)
}

// finishWrite stores the planned settings with the resolved settings the server answered (read again when the
// answer lacks them).
func (r *syncConfigurationResource) finishWrite(ctx context.Context, plan configData, s configScope, id string, cfg *wire.Configuration, st attrSetter, diags *diag.Diagnostics) {
	plan.ID = types.StringValue(configScopeID(s, id))
	if cfg == nil || cfg.ResolvedSettings == nil {
		got, err := r.client.GetConfiguration(ctx, s.Scope, id)
		if err != nil {
			plan.Resolved = types.MapNull(types.StringType)
			plan.write(ctx, st, diags)
			addAPIError(diags, fmt.Sprintf("reading back the sync configuration of %s %s", s.Display, id), err, nil)
			return
		}
		cfg = got
	}
	plan.Resolved = settingsMapValue(cfg.ResolvedSettings)
	plan.write(ctx, st, diags)
}

func (r *syncConfigurationResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state := readConfigData(ctx, req.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	s, scopeID, ok := state.scope()
	if !ok {
		resp.Diagnostics.AddError("Corrupt state", "The state of this itwin_sync_configuration names no scope id; remove it from the state and import it again.")
		return
	}
	id := scopeID.ValueString()
	setIdentity(ctx, resp.Identity, newConfigIdentity(s, id), &resp.Diagnostics)
	cfg, err := r.client.GetConfiguration(ctx, s.Scope, id)
	if err != nil {
		if itwin.IsNotFound(err) {
			removeGone(ctx, resp, "sync configuration", configScopeID(s, id))
			return
		}
		addAPIError(&resp.Diagnostics, fmt.Sprintf("reading the sync configuration of %s %s", s.Display, id), err, nil)
		return
	}
	if state.importedOnly() {
		state = configDataFromAPI(s, id, cfg, &resp.Diagnostics)
	} else {
		state.refresh(s, id, cfg, &resp.Diagnostics)
	}
	state.write(ctx, &resp.State, &resp.Diagnostics)
}

// importedOnly reports whether the data holds nothing but its scope, as ImportState leaves it: a configuration
// Terraform created or read always has at least one setting and its resolved settings.
func (d configData) importedOnly() bool {
	if !d.Additional.IsNull() || !d.Resolved.IsNull() {
		return false
	}
	for _, v := range d.Flags {
		if v != nil && !v.IsNull() {
			return false
		}
	}
	return true
}

// configDataFromAPI is the state of a configuration read from the server with nothing known before: after an
// import, and the object the list resource reports. Flags this provider does not know are recorded in
// additional_settings, so configuration generated from it keeps them (and stays valid when they are all the
// scope stores) and plans no change.
func configDataFromAPI(s configScope, id string, cfg *wire.Configuration, diags *diag.Diagnostics) configData {
	d := configData{ScopeIDs: map[string]types.String{}, Flags: map[string]attr.Value{}, Additional: jsontypes.NewNormalizedNull()}
	if len(unknownFlagSettings(cfg.Settings)) > 0 {
		d.Additional = jsontypes.NewNormalizedValue("{}") // refresh fills it in
	}
	d.refresh(s, id, cfg, diags)
	return d
}

func (r *syncConfigurationResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	plan := readConfigData(ctx, req.Plan, &resp.Diagnostics)
	state := readConfigData(ctx, req.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	s, scopeID, ok := plan.scope()
	if !ok {
		resp.Diagnostics.AddError("Missing scope", "Exactly one of itwin_id, imodel_id and connection_id must be set.")
		return
	}
	if checkLocalFlags(plan, r.client.BaseURL(), &resp.Diagnostics); resp.Diagnostics.HasError() {
		return
	}
	id := scopeID.ValueString()
	setIdentity(ctx, resp.Identity, newConfigIdentity(s, id), &resp.Diagnostics)
	want, err := plan.settings()
	if err != nil {
		resp.Diagnostics.AddAttributeError(path.Root("additional_settings"), "Invalid additional_settings", err.Error())
		return
	}
	prior, err := state.settings()
	if err != nil {
		prior = map[string]any{} // a broken prior value only means every wanted flag is sent again
	}
	changed, cleared := settingsDiff(prior, want)
	where := fmt.Sprintf("%s %s", s.Display, id)

	if len(cleared) == 0 {
		var cfg *wire.Configuration
		if len(changed) > 0 {
			tflog.Debug(ctx, "patching sync configuration", map[string]any{"scope": s.Scope, "scope_id": id, "flags": sortedKeys(changed)})
			cfg, err = r.client.PatchConfiguration(ctx, s.Scope, id, changed)
			if err != nil {
				addAPIError(&resp.Diagnostics, "updating the sync configuration of "+where, err, configErrorTargets(s, changed))
				return
			}
		}
		r.finishWrite(ctx, plan, s, id, cfg, &resp.State, &resp.Diagnostics)
		return
	}

	// The API has no way to remove single flags (PATCH merges), so clearing one means replacing the whole
	// configuration: DELETE, then POST what remains.
	if len(want) == 0 {
		resp.Diagnostics.AddError("No settings left",
			fmt.Sprintf("Clearing %s would leave the %s with an empty configuration, which the API cannot store. Remove the resource instead.", strings.Join(cleared, ", "), where))
		return
	}
	tflog.Debug(ctx, "replacing sync configuration to clear flags", map[string]any{"scope": s.Scope, "scope_id": id, "cleared": cleared, "flags": sortedKeys(want)})
	if err := r.client.DeleteConfiguration(ctx, s.Scope, id); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("deleting the sync configuration of %s to clear %s", where, strings.Join(cleared, ", ")), err, nil)
		return
	}
	cfg, err := r.client.CreateConfiguration(ctx, s.Scope, id, want)
	if err != nil {
		// The old configuration is gone and the new one was not stored: the scope now inherits every flag.
		// Dropping the resource from the state makes the next apply create it again.
		resp.State.RemoveResource(ctx)
		apiDiags := diag.Diagnostics{}
		addAPIError(&apiDiags, "re-creating the sync configuration of "+where, err, configErrorTargets(s, want))
		for _, d := range apiDiags {
			resp.Diagnostics.AddError(d.Summary(),
				fmt.Sprintf("To clear %s, the configuration of the %s was deleted and then had to be created again with the remaining settings; the deletion succeeded but the creation failed, so the %s currently has no configuration and inherits every flag. Run terraform apply again to create it.\n\n%s",
					strings.Join(cleared, ", "), where, s.Display, d.Detail()))
		}
		return
	}
	r.finishWrite(ctx, plan, s, id, cfg, &resp.State, &resp.Diagnostics)
}

func (r *syncConfigurationResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state := readConfigData(ctx, req.State, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	s, scopeID, ok := state.scope()
	if !ok {
		return
	}
	id := scopeID.ValueString()
	if err := r.client.DeleteConfiguration(ctx, s.Scope, id); err != nil && !itwin.IsNotFound(err) {
		addAPIError(&resp.Diagnostics, fmt.Sprintf("deleting the sync configuration of %s %s", s.Display, id), err, nil)
	}
}

// ImportState takes "itwins/<id>", "imodels/<id>" or "connections/<id>", or the identity's scope and scope_id.
func (r *syncConfigurationResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	var s configScope
	var id string
	if importByIdentity(req) {
		scope, okScope := identityString(ctx, req, "scope", &resp.Diagnostics)
		scopeID, okID := identityString(ctx, req, "scope_id", &resp.Diagnostics)
		if !okScope || !okID {
			return
		}
		found := false
		for _, c := range configScopes {
			if strings.EqualFold(scope, c.Scope) {
				s, found = c, true
			}
		}
		if !found {
			resp.Diagnostics.AddError("Invalid import identity",
				fmt.Sprintf("The import identity attribute \"scope\" must be one of \"itwin\", \"imodel\" or \"connection\", got %q.", scope))
			return
		}
		id = scopeID
	} else {
		var err error
		if s, id, err = parseConfigImportID(req.ID); err != nil {
			resp.Diagnostics.AddError("Invalid import id", err.Error())
			return
		}
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), configScopeID(s, id))...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(s.IDAttr), id)...)
}
