package provider

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"

	"github.com/seed37c7dd03/terraform-provider-itwin/internal/itwin"
)

// providerData is what Configure hands to every resource, data source, ephemeral resource and action: the API
// client and the clock everything waits with (run polls, start-race backoff, delete retries, iModel
// initialization, timeouts). Tests configure the provider with a fake clock, so no test waits for real time.
type providerData struct {
	client *itwin.Client
	clock  clock
}

// clock is the provider's time.
type clock interface {
	Now() time.Time
	// Sleep waits d, or until ctx ends (then it returns ctx's error).
	Sleep(ctx context.Context, d time.Duration) error
	// WithTimeout is context.WithTimeout measured on this clock: the context ends with
	// context.DeadlineExceeded once the clock's time passes now+d.
	WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc)
}

// realClock is the wall clock.
type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error { return itwin.Sleep(ctx, d) }

func (realClock) WithTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, d)
}

// configured turns the provider data handed to a resource, data source, ephemeral resource or action into the
// client and clock. It returns nil values without a diagnostic while the provider is not configured yet
// (validation calls), and with a diagnostic when the data has an unexpected type. The clock is never nil.
func configured(data any, diags *diag.Diagnostics) (*itwin.Client, clock) {
	switch d := data.(type) {
	case nil:
		return nil, realClock{}
	case *providerData:
		return d.client, d.clock
	case *itwin.Client: // what Configure handed out before the clock; still accepted from tests
		return d, realClock{}
	default:
		diags.AddError("Unexpected provider data",
			fmt.Sprintf("Expected the provider's configuration, got %T. This is a bug in the provider; please report it.", data))
		return nil, realClock{}
	}
}

// resourceBase is embedded by every resource and list resource: Metadata and Configure are the same for all of
// them but for the type name.
type resourceBase struct {
	typeName string // after the provider's name: "_imodel"
	client   *itwin.Client
	clock    clock
}

func (b *resourceBase) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.client, b.clock = configured(req.ProviderData, &resp.Diagnostics)
}

// dataSourceBase is resourceBase for data sources.
type dataSourceBase struct {
	typeName string
	client   *itwin.Client
}

func (b *dataSourceBase) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + b.typeName
}

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.client, _ = configured(req.ProviderData, &resp.Diagnostics)
}
