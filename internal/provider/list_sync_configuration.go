package provider

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

var _ list.ListResourceWithConfigure = &syncConfigurationListResource{}

// NewSyncConfigurationListResource lists the synchronization configurations stored in an iTwin: at the iTwin,
// at each of its iModels and at each of their connections.
func NewSyncConfigurationListResource() list.ListResource {
	return &syncConfigurationListResource{resourceBase{typeName: "_sync_configuration"}}
}

type syncConfigurationListResource struct {
	resourceBase
}

type syncConfigurationListConfig struct {
	ITwinID types.String `tfsdk:"itwin_id"`
}

// codeConfigurationNotFound is the 404 of a scope that exists but stores no configuration (internal/wire/testdata/spec/api.md §6.1).
const codeConfigurationNotFound = "ConfigurationNotFound"

func (r *syncConfigurationListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = listConfigSchema("Lists the synchronization configurations stored in an iTwin: the iTwin's own, each of its iModels' and "+
		"each of their connections' (storage and manifest), with their identity and, with `include_resource = true`, the "+
		"full resource. The API has no list of configurations, so every scope is read: one request for the iTwin, one per "+
		"iModel and one per connection, plus the listings of iModels and connections. Scopes without a configuration are "+
		"not reported. Only the iModels the iModels API lists for the iTwin, and their connections, are visited. Flags this "+
		"provider does not know are reported in `additional_settings`.",
		"itwin_id", "Id of the iTwin whose configurations (and those of its iModels and connections) are listed.")
}

func (r *syncConfigurationListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var cfg syncConfigurationListConfig
	streamList(ctx, req, stream, r.client, &cfg, func(e *listEmitter) {
		itwinID := cfg.ITwinID.ValueString()
		tw, err := r.client.GetITwin(ctx, itwinID)
		if err != nil {
			e.fail(listCallError("reading the iTwin", err, "itwin_id", "iTwin", itwinID, accessSync))
			return
		}
		if !r.emitScope(ctx, e, lookupConfigScope(wire.ScopeITwin), itwinID, tw.DisplayName, "itwin_id") {
			return
		}
		var listErr error
		for im := range eachOK(r.client.EachIModel(ctx, itwinID, itwin.IModelListOptions{}), &listErr) {
			if !r.emitScope(ctx, e, lookupConfigScope(wire.ScopeIModel), im.ID, imodelName(&im), "") {
				return
			}
			conns, err := r.client.ListConnections(ctx, im.ID)
			if err != nil && !itwin.IsNotFound(err) { // an iModel deleted meanwhile has no connections left to report
				e.fail(listCallError("listing the connections of iModel "+im.ID, err, "", "iModel", im.ID, accessSync))
				return
			}
			for _, c := range conns {
				if !r.emitScope(ctx, e, lookupConfigScope(wire.ScopeConnection), c.ID, c.DisplayName, "") {
					return
				}
			}
		}
		if listErr != nil {
			e.fail(listCallError("listing the iModels of the iTwin", listErr, "itwin_id", "iTwin", itwinID, accessIModels))
		}
	})
}

// emitScope reports the configuration of one scope, if it has one. attr names the config attribute the scope
// comes from ("" for scopes found along the way: one that disappeared meanwhile is skipped, it is no longer
// there to import). It returns false when the list must stop.
func (r *syncConfigurationListResource) emitScope(ctx context.Context, e *listEmitter, s configScope, id, name, attr string) bool {
	if !e.wanted() {
		return false
	}
	cfg, err := r.client.GetConfiguration(ctx, s.Scope, id)
	switch {
	case itwin.ErrorCode(err) == codeConfigurationNotFound:
		return true
	case itwin.IsNotFound(err) && attr == "":
		return true
	case err != nil:
		e.fail(listCallError(fmt.Sprintf("reading the sync configuration of %s %s", s.Display, id), err, attr, s.Display, id, accessSync))
		return false
	}
	var diags diag.Diagnostics
	data := configDataFromAPI(s, id, cfg, &diags)
	if diags.HasError() {
		e.fail(diags)
		return false
	}
	return e.emit(configDisplayName(s, id, name, cfg.Settings), newConfigIdentity(s, id), data)
}

// configDisplayName: `Riverside Pavilion (iModel sync configuration: clampZExtent)`.
func configDisplayName(s configScope, id, name string, settings map[string]any) string {
	if name == "" {
		name = id
	}
	flags := make([]string, 0, len(settings))
	for k := range settings {
		flags = append(flags, k)
	}
	sort.Strings(flags)
	return fmt.Sprintf("%s (%s sync configuration: %s)", name, s.Display, strings.Join(flags, ", "))
}
