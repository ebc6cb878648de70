package provider

// Shared pieces of the itwin_sync_configuration resource and data source: the three scopes, the typed flag
// attributes generated from itwin.ConfigFlags, conversions between wire values and Terraform values, the
// client-side resolution used when a scope has no configuration of its own, and the plan-time checks.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
	"github.com/seed37c7dd03/terraform-provider-itwin/internal/wire"
)

// configScope describes one configuration scope as the provider presents it.
type configScope struct {
	Scope   string // itwin.ScopeITwin, itwin.ScopeIModel or itwin.ScopeConnection
	IDAttr  string // attribute that selects this scope
	Plural  string // first segment of the resource id and of the import id ("imodels/<id>")
	Display string // how messages name the scope
	Target  string // the server's error target for a malformed scope id (internal/wire/testdata/spec/api.md §6.1)
}

var configScopes = []configScope{
	{Scope: wire.ScopeITwin, IDAttr: "itwin_id", Plural: "itwins", Display: "iTwin", Target: "itwinid"},
	{Scope: wire.ScopeIModel, IDAttr: "imodel_id", Plural: "imodels", Display: "iModel", Target: "imodelid"},
	{Scope: wire.ScopeConnection, IDAttr: "connection_id", Plural: "connections", Display: "connection", Target: "connectionid"},
}

func lookupConfigScope(scope string) configScope {
	for _, s := range configScopes {
		if s.Scope == scope {
			return s
		}
	}
	panic("unknown configuration scope " + scope)
}

// configScopeID is the resource id (and import id) of a scope's configuration: "imodels/<id>".
func configScopeID(s configScope, id string) string {
	return s.Plural + "/" + url.PathEscape(id)
}

// parseConfigImportID accepts "itwins/<id>", "imodels/<id>" or "connections/<id>" (the prefix case-insensitively).
func parseConfigImportID(id string) (configScope, string, error) {
	const format = `"itwins/<itwin_id>", "imodels/<imodel_id>" or "connections/<connection_id>"`
	prefix, rest, ok := strings.Cut(id, "/")
	if !ok {
		return configScope{}, "", fmt.Errorf("the import id must have the form %s, got %q", format, id)
	}
	for _, s := range configScopes {
		if !strings.EqualFold(prefix, s.Plural) {
			continue
		}
		var scopeID string
		if err := parseImportID(rest, "<"+s.IDAttr+">", &scopeID); err != nil {
			return configScope{}, "", fmt.Errorf("the import id must have the form %s: %s is missing or malformed in %q", format, s.IDAttr, id)
		}
		return s, scopeID, nil
	}
	return configScope{}, "", fmt.Errorf("the import id must have the form %s; %q does not start with itwins/, imodels/ or connections/", format, id)
}

// flagAttr is one known flag and the snake_case attribute that carries it.
type flagAttr struct {
	Flag wire.ConfigFlag
	Attr string
}

// flagAttrs lists every known flag with its attribute name, in catalog order.
var flagAttrs = func() []flagAttr {
	out := make([]flagAttr, 0, len(wire.ConfigFlags))
	for _, f := range wire.ConfigFlags {
		out = append(out, flagAttr{Flag: f, Attr: flagAttrName(f.Name)})
	}
	return out
}()

// flagAttrName turns a wire name into an attribute name: a word starts at each upper-case letter and at a digit
// that follows a lower-case letter, so "convertDwg3dAs2d" becomes "convert_dwg_3d_as_2d" and
// "enableC3dGraphsIn2dModel" keeps "c3d" whole ("enable_c3d_graphs_in_2d_model").
func flagAttrName(wire string) string {
	var b strings.Builder
	runes := []rune(wire)
	for i, r := range runes {
		if i > 0 {
			prev := runes[i-1]
			if unicode.IsUpper(r) || (unicode.IsDigit(r) && unicode.IsLower(prev)) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// flagAttrByKey finds a known flag by wire name or attribute name, ignoring case, for collision checks on
// additional_settings keys.
func flagAttrByKey(key string) (flagAttr, bool) {
	for _, fa := range flagAttrs {
		if strings.EqualFold(key, fa.Flag.Name) || strings.EqualFold(key, fa.Attr) {
			return fa, true
		}
	}
	return flagAttr{}, false
}

// flagDescription documents a flag attribute: the catalog text, its wire name, default and scope.
func flagDescription(f wire.ConfigFlag) string {
	d := fmt.Sprintf("%s Wire name: `%s`. Default: `%v`. Scope: %s.", f.Description, f.Name, f.Default, lookupConfigScope(f.Scope).Display)
	if f.Type == wire.FlagInt {
		d += fmt.Sprintf(" Allowed values: %d to %d.", f.Min, f.Max)
	}
	if f.Local {
		d += " This is the itwin-local name of the setting: it must not be used against api.bentley.com (the provider refuses to plan it there)."
	}
	return d
}

// isPublicService reports whether the client talks to Bentley's service (api.bentley.com and its dev-/qa-
// variants) rather than to itwin-local; the (local) flag names must not be sent there (internal/wire/testdata/spec/api.md §6.2).
func isPublicService(baseURL string) bool {
	u, err := url.Parse(baseURL)
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	return host == "api.bentley.com" || strings.HasSuffix(host, "-api.bentley.com") || strings.HasSuffix(host, ".api.bentley.com")
}

// flagNullValue is the null Terraform value of a flag's attribute type.
func flagNullValue(f wire.ConfigFlag) attr.Value {
	if f.Type == wire.FlagInt {
		return types.Int64Null()
	}
	return types.BoolNull()
}

// flagValueFromWire converts a value from the server into the flag's Terraform type; ok is false when the
// server sent a value of another type.
func flagValueFromWire(f wire.ConfigFlag, v any) (attr.Value, bool) {
	if f.Type == wire.FlagInt {
		n, ok := wireInt64(v)
		if !ok {
			return types.Int64Null(), false
		}
		return types.Int64Value(n), true
	}
	b, ok := v.(bool)
	if !ok {
		return types.BoolNull(), false
	}
	return types.BoolValue(b), true
}

// flagValueToWire converts a known, non-null attribute value into the JSON value sent to the server.
func flagValueToWire(v attr.Value) any {
	switch tv := v.(type) {
	case types.Bool:
		return tv.ValueBool()
	case types.Int64:
		return tv.ValueInt64()
	}
	return nil
}

// wireInt64 accepts the shapes an integer can take after JSON decoding.
func wireInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case float64:
		if n != math.Trunc(n) || math.IsInf(n, 0) {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	case int64:
		return n, true
	case int:
		return int64(n), true
	}
	return 0, false
}

// wireString renders a setting for the string maps (settings, resolved_settings): booleans as "true"/"false",
// integers in decimal, strings as they are and anything else as compact JSON, so unknown future flags of any
// type still show up.
func wireString(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case bool:
		return strconv.FormatBool(t)
	case string:
		return t
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1e15 {
			return strconv.FormatInt(int64(t), 10)
		}
		return strconv.FormatFloat(t, 'f', -1, 64)
	case json.Number:
		return t.String()
	case int64:
		return strconv.FormatInt(t, 10)
	case int:
		return strconv.Itoa(t)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// settingsMapValue turns a settings object into a Terraform map of strings (never null).
func settingsMapValue(settings map[string]any) types.Map {
	elems := make(map[string]attr.Value, len(settings))
	for k, v := range settings {
		elems[k] = types.StringValue(wireString(v))
	}
	return types.MapValueMust(types.StringType, elems)
}

// parseAdditionalSettings decodes additional_settings, which must be a JSON object. Numbers stay json.Number so
// large integers are sent back exactly.
func parseAdditionalSettings(raw string) (map[string]any, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("additional_settings is not valid JSON: %w", err)
	}
	if dec.More() {
		return nil, fmt.Errorf("additional_settings must hold exactly one JSON object")
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("additional_settings must be a JSON object such as {\"someNewFlag\": true}, got %s", jsonKind(v))
	}
	return obj, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	}
	return fmt.Sprintf("%T", v)
}

// unknownFlagSettings keeps the settings the catalog does not know (an empty map when there are none).
func unknownFlagSettings(settings map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range settings {
		if _, known := wire.LookupConfigFlag(k); !known {
			out[k] = v
		}
	}
	return out
}

func compactJSON(v any) (string, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return strings.TrimSpace(buf.String()), nil
}

// sameWireValue compares two setting values by their JSON meaning (1, 1.0 and json.Number("1") are equal).
func sameWireValue(a, b any) bool {
	norm := func(v any) any {
		raw, err := json.Marshal(v)
		if err != nil {
			return v
		}
		var out any
		if json.Unmarshal(raw, &out) != nil {
			return v
		}
		return out
	}
	return reflect.DeepEqual(norm(a), norm(b))
}

// settingsDiff compares the settings stored at a scope (prior) with the wanted ones: changed holds the flags to
// send in a PATCH (new or different), cleared the flags that must disappear.
func settingsDiff(prior, want map[string]any) (changed map[string]any, cleared []string) {
	changed = map[string]any{}
	for k, v := range want {
		if old, ok := prior[k]; !ok || !sameWireValue(old, v) {
			changed[k] = v
		}
	}
	for k := range prior {
		if _, ok := want[k]; !ok {
			cleared = append(cleared, k)
		}
	}
	sort.Strings(cleared)
	return changed, cleared
}

// configErrorTargets maps every wire name the server may put in error targets to our attribute, so a 422 naming a flag
// lands on its line. Unknown flags point at additional_settings.
func configErrorTargets(s configScope, body map[string]any) map[string]path.Path {
	t := map[string]path.Path{s.Target: path.Root(s.IDAttr), s.IDAttr: path.Root(s.IDAttr)}
	for _, fa := range flagAttrs {
		t[fa.Flag.Name] = path.Root(fa.Attr)
	}
	for k := range body {
		if _, known := wire.LookupConfigFlag(k); !known {
			t[k] = path.Root("additional_settings")
		}
	}
	return t
}

// resolveSettings returns a scope's resolved settings and whether the scope has a configuration of its own.
// The API answers 404 ConfigurationNotFound for a scope without a configuration; the effective values are then
// the parent scope's resolved settings (read the same way, through the iModel's iTwin or the connection's
// iModel) plus the defaults of this scope's own flags, which is exactly the server's rule (internal/wire/testdata/spec/api.md §11n). The
// (local) flags are left out against the public service, whose names for them are not known.
func resolveSettings(ctx context.Context, c *itwin.Client, scope, id string) (*wire.Configuration, bool, error) {
	cfg, err := c.GetConfiguration(ctx, scope, id)
	if err == nil {
		if cfg.Settings == nil {
			cfg.Settings = map[string]any{}
		}
		if cfg.ResolvedSettings == nil {
			cfg.ResolvedSettings = map[string]any{}
		}
		return cfg, true, nil
	}
	if itwin.ErrorCode(err) != "ConfigurationNotFound" {
		return nil, false, err
	}
	resolved := map[string]any{}
	var parentScope, parentID string
	switch scope {
	case wire.ScopeIModel:
		im, err := c.GetIModel(ctx, id)
		if err != nil {
			return nil, false, fmt.Errorf("reading the iModel %s to resolve inherited settings: %w", id, err)
		}
		parentScope, parentID = wire.ScopeITwin, im.ITwinID
	case wire.ScopeConnection:
		conn, _, err := c.GetConnection(ctx, id)
		if err != nil {
			return nil, false, fmt.Errorf("reading the connection %s to resolve inherited settings: %w", id, err)
		}
		parentScope, parentID = wire.ScopeIModel, conn.IModelID
	}
	if parentScope != "" {
		if parentID == "" {
			return nil, false, fmt.Errorf("the %s %s does not name its parent %s, so its inherited settings cannot be resolved", lookupConfigScope(scope).Display, id, lookupConfigScope(parentScope).Display)
		}
		parent, _, err := resolveSettings(ctx, c, parentScope, parentID)
		if err != nil {
			return nil, false, err
		}
		for k, v := range parent.ResolvedSettings {
			resolved[k] = v
		}
	}
	public := isPublicService(c.BaseURL())
	for _, f := range wire.ConfigFlags {
		if f.Scope == scope && !(f.Local && public) {
			resolved[f.Name] = f.Default
		}
	}
	return &wire.Configuration{ScopeID: id, Settings: map[string]any{}, ResolvedSettings: resolved}, false, nil
}

// validateConfigData holds the plan-time rules beyond the schema: flags at the right scope (internal/wire/testdata/spec/api.md §11n), no
// additional_settings key that shadows a typed attribute, and at least one setting (the API has no empty
// configuration: an empty body is rejected).
func validateConfigData(d configData, diags *diag.Diagnostics) {
	s, _, scoped := d.scope()
	anySet, anyUnknown := false, false
	for _, fa := range flagAttrs {
		v := d.Flags[fa.Attr]
		if v == nil || v.IsNull() {
			continue
		}
		anySet = true
		if scoped && fa.Flag.Scope != s.Scope {
			want := lookupConfigScope(fa.Flag.Scope)
			diags.AddAttributeError(path.Root(fa.Attr), "Setting belongs to another scope",
				fmt.Sprintf("%s (flag %s) can only be set at the %s scope, in an itwin_sync_configuration with %s; this one has %s (the %s scope). Move it to a configuration of the %s.",
					fa.Attr, fa.Flag.Name, want.Display, want.IDAttr, s.IDAttr, s.Display, want.Display))
		}
	}
	switch {
	case d.Additional.IsUnknown():
		anyUnknown = true
	case !d.Additional.IsNull():
		extra, err := parseAdditionalSettings(d.Additional.ValueString())
		if err != nil {
			diags.AddAttributeError(path.Root("additional_settings"), "Invalid additional_settings", err.Error())
			break
		}
		keys := make([]string, 0, len(extra))
		for k := range extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if fa, known := flagAttrByKey(k); known {
				diags.AddAttributeError(path.Root("additional_settings"), "additional_settings repeats a known flag",
					fmt.Sprintf("The key %q of additional_settings is the flag %s, which has its own attribute %s. Set %s instead and remove the key from additional_settings.",
						k, fa.Flag.Name, fa.Attr, fa.Attr))
			}
		}
		if len(extra) > 0 {
			anySet = true
		}
	}
	if scoped && !anySet && !anyUnknown {
		diags.AddError("No settings configured",
			fmt.Sprintf("This itwin_sync_configuration (%s) sets no flag. The API cannot store an empty configuration: set at least one flag attribute or additional_settings, or remove the resource to delete the %s's configuration so every flag is inherited.", s.IDAttr, s.Display))
	}
}

// configChanged reports whether the plan changes anything the server stores (scope or settings).
func configChanged(state, plan configData) bool {
	for _, s := range configScopes {
		if !state.ScopeIDs[s.IDAttr].Equal(plan.ScopeIDs[s.IDAttr]) {
			return true
		}
	}
	for _, fa := range flagAttrs {
		if !state.Flags[fa.Attr].Equal(plan.Flags[fa.Attr]) {
			return true
		}
	}
	if plan.Additional.IsUnknown() {
		return true
	}
	if state.Additional.IsNull() != plan.Additional.IsNull() {
		return true
	}
	if !plan.Additional.IsNull() {
		eq, diags := state.Additional.StringSemanticEquals(context.Background(), plan.Additional)
		if diags.HasError() || !eq {
			return true
		}
	}
	return false
}

// checkLocalFlags refuses the itwin-local-only flag names against Bentley's service: internal/wire/testdata/spec/api.md §6.2 says a client
// must not send them there until their public names are known.
func checkLocalFlags(d configData, baseURL string, diags *diag.Diagnostics) {
	if !isPublicService(baseURL) {
		return
	}
	for _, fa := range flagAttrs {
		if v := d.Flags[fa.Attr]; fa.Flag.Local && v != nil && !v.IsNull() {
			diags.AddAttributeError(path.Root(fa.Attr), "Setting exists only on itwin-local",
				fmt.Sprintf("%s (flag %s) is an itwin-local name; the public service's name for this setting is not known, so it must not be sent to %s. Remove it, or point api_url at itwin-local.",
					fa.Attr, fa.Flag.Name, baseURL))
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
