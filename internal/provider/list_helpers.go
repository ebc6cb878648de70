package provider

// Shared by the list resources (Terraform 1.14 `list` blocks, `terraform query`): one stream per request that
// pushes each object found with its identity, a display name and, when asked, the full resource object; the
// limit Terraform sends; and failures reported as a result with error diagnostics, never a silently shorter list.
//
// The resource object of a result is what the resource's own Read writes after an import, built by the same
// fill/FromAPI code, so `terraform query -generate-config-out` followed by a plan shows imports only.

import (
	"context"
	"fmt"
	"iter"
	"net/http"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// listEmitter pushes the results of one list request.
type listEmitter struct {
	ctx   context.Context
	req   list.ListRequest
	push  func(list.ListResult) bool
	count int64
	done  bool // Terraform stopped reading, the limit was reached, or a failure was pushed
}

// stateWriter is a resource model that writes itself attribute by attribute (the configuration's generated flag
// attributes do not fit a static struct).
type stateWriter interface {
	write(ctx context.Context, s attrSetter, diags *diag.Diagnostics)
}

// emit pushes one object. identity is the resource's identity struct; model is its state as the resource's Read
// would store it (a model struct or a stateWriter), sent only when the request includes resources. It returns
// false once no more results are wanted, so callers stop reading pages.
func (e *listEmitter) emit(displayName string, identity, model any) bool {
	if e.done {
		return false
	}
	r := e.req.NewListResult(e.ctx)
	r.DisplayName = displayName
	r.Diagnostics.Append(r.Identity.Set(e.ctx, identity)...)
	if e.req.IncludeResource {
		if w, ok := model.(stateWriter); ok {
			w.write(e.ctx, r.Resource, &r.Diagnostics)
		} else {
			r.Diagnostics.Append(r.Resource.Set(e.ctx, model)...)
		}
	}
	e.count++
	if !e.push(r) || (e.req.Limit > 0 && e.count >= e.req.Limit) || r.Diagnostics.HasError() {
		e.done = true
	}
	return !e.done
}

// wanted reports whether more results are wanted (so a caller can skip requests whose results would be dropped).
func (e *listEmitter) wanted() bool { return !e.done }

// fail pushes a failure and ends the list. After some results it says how many came before, so nobody mistakes
// them for the whole list.
func (e *listEmitter) fail(diags diag.Diagnostics) {
	if e.done {
		return
	}
	if e.count > 0 {
		var out diag.Diagnostics
		for _, d := range diags {
			detail := fmt.Sprintf("%s\n\nThe list stopped after %d result(s) and is incomplete; run the query again.", d.Detail(), e.count)
			if p, ok := d.(diag.DiagnosticWithPath); ok {
				out.AddAttributeError(p.Path(), d.Summary(), detail)
			} else {
				out.AddError(d.Summary(), detail)
			}
		}
		diags = out
	}
	e.push(list.ListResult{Diagnostics: diags})
	e.done = true
}

// streamList answers a list request: it reads the list block's config into cfg (a pointer) and, when Terraform
// starts reading, calls run with an emitter. The stream is set exactly once, here.
func streamList(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream, client *itwin.Client, cfg any,
	run func(e *listEmitter)) {
	var diags diag.Diagnostics
	diags.Append(req.Config.Get(ctx, cfg)...)
	if client == nil && !diags.HasError() {
		diags.AddError("Provider not configured",
			"The itwin provider has no API client, so nothing can be listed. Check the provider block used by this list block.")
	}
	if diags.HasError() {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	stream.Results = func(push func(list.ListResult) bool) {
		run(&listEmitter{ctx: ctx, req: req, push: push})
	}
}

// listConfigSchema is the config schema of a list block that lists what lives under one object: its only
// attribute, required, names that object.
func listConfigSchema(description, attr, attrDescription string) schema.Schema {
	return schema.Schema{
		Description: description,
		Attributes: map[string]schema.Attribute{
			attr: schema.StringAttribute{Required: true, Description: attrDescription, Validators: []validator.String{stringvalidator.LengthAtLeast(1)}},
		},
	}
}

// The access a 403 means is missing, per API family, for listCallError.
const (
	accessStorage = "read access to the iTwin's Storage (the service application must be a member of the iTwin, " +
		"with a role that may read files)"
	accessSync = "read access to the iTwin that owns the iModel (the service application must be a member of the " +
		"iTwin; the Synchronization API checks the iTwin's permissions)"
	accessIModels = "read access to the iTwin's iModels (the service application must be a member of the iTwin)"
)

// listCallError turns a failed call of a list resource into one diagnostic. A 404 or 403 on the object a config
// attribute names lands on that attribute: the object does not exist (or is invisible to this client), or the
// client lacks access, saying which. attr is "" when the failed call concerns an object found along the way.
func listCallError(doing string, err error, attr, what, id, access string) diag.Diagnostics {
	var diags diag.Diagnostics
	at := func(summary, detail string) {
		if attr == "" {
			diags.AddError(summary, detail)
			return
		}
		diags.AddAttributeError(configPath(attr), summary, detail)
	}
	switch {
	case itwin.IsNotFound(err) && attr != "":
		at(what+" not found", fmt.Sprintf("%s: config.%s = %q names no %s that this client can see (it does not exist, "+
			"or it belongs to an iTwin the client is not a member of). Server: %s", doing, attr, id, what, err))
	case itwin.IsNotFound(err):
		at(what+" not found", fmt.Sprintf("%s: the %s %q disappeared while it was being listed (deleted meanwhile?). Server: %s",
			doing, what, id, err))
	case itwin.IsStatus(err, http.StatusForbidden):
		where := fmt.Sprintf("the %s %q", what, id)
		if attr != "" {
			where += " (config." + attr + ")"
		}
		at("Access denied", fmt.Sprintf("%s: the client may not read %s. It needs %s. Server: %s", doing, where, access, err))
	default:
		addAPIError(&diags, doing, err, nil)
	}
	return diags
}

// configPath is the path of a list block's config attribute in a diagnostic: Terraform resolves it in the list
// block, where the attributes sit inside its `config` block, and so points at the attribute's line.
func configPath(attr string) path.Path { return path.Root("config").AtName(attr) }

// eachOK ranges over a paged sequence and stops at the first error, which it stores in *errp.
func eachOK[T any](seq iter.Seq2[T, error], errp *error) iter.Seq[T] {
	return func(yield func(T) bool) {
		for v, err := range seq {
			if err != nil {
				*errp = err
				return
			}
			if !yield(v) {
				return
			}
		}
	}
}
