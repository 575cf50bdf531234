//lint:file-ignore SA1019 the provisioned dashboard is schema v1 JSON, which dashboard.Dashboard reads (dashboardv2 is another format)

package provisioning_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"go.yaml.in/yaml/v3"
)

const dashboardFile = "dashboards/vm-telemetry.json"

// panelDatasource is how every panel and query names the data source: through
// the dashboard's `datasource` variable, so the same JSON works provisioned by
// file and imported from the plugin's Dashboards tab.
var panelDatasource = datasourceRef{Type: pluginID, UID: "${datasource}"}

// loadDashboard reads the dashboard through the foundation SDK's types,
// strictly: an unknown key, a wrong type or a missing required field anywhere
// (panels, gauge/stat/timeseries options and field config) fails.
func loadDashboard(t *testing.T) (dashboard.Dashboard, []byte) {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	plugins.RegisterDefaultPlugins()
	var d dashboard.Dashboard
	if err := strictError(d.UnmarshalJSONStrict(raw)); err != nil {
		t.Fatalf("%s does not fit Grafana's dashboard schema (foundation SDK, strict): %v", dashboardFile, err)
	}
	// The SDK's PanelOrRowPanel.UnmarshalJSONStrict drops every panel that
	// decodes without error (it sees the empty cog.BuildErrors as an error and
	// returns before keeping the panel), so decode the panels here, as strictly.
	var doc struct {
		Panels []json.RawMessage `json:"panels"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	d.Panels = nil
	for i, rawPanel := range doc.Panels {
		var kind struct {
			Type string `json:"type"`
		}
		if err := json.Unmarshal(rawPanel, &kind); err != nil {
			t.Fatal(err)
		}
		var item dashboard.PanelOrRowPanel
		var err error
		if kind.Type == "row" {
			item.RowPanel = &dashboard.RowPanel{}
			err = strictError(item.RowPanel.UnmarshalJSONStrict(rawPanel))
		} else {
			item.Panel = &dashboard.Panel{}
			err = strictError(item.Panel.UnmarshalJSONStrict(rawPanel))
		}
		if err != nil {
			t.Fatalf("%s panels[%d] does not fit Grafana's panel schema: %v", dashboardFile, i, err)
		}
		// Panel.UnmarshalJSONStrict checks fieldConfig.defaults.custom only;
		// check the rest of the field config as strictly.
		var withFieldConfig struct {
			FieldConfig json.RawMessage `json:"fieldConfig"`
		}
		if err := json.Unmarshal(rawPanel, &withFieldConfig); err != nil {
			t.Fatal(err)
		}
		if withFieldConfig.FieldConfig != nil {
			var source dashboard.FieldConfigSource
			if err := strictError(source.UnmarshalJSONStrict(withFieldConfig.FieldConfig)); err != nil {
				t.Fatalf("%s panels[%d].fieldConfig does not fit Grafana's schema: %v", dashboardFile, i, err)
			}
		}
		d.Panels = append(d.Panels, item)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("%s fails the schema's constraints: %v", dashboardFile, err)
	}
	return d, raw
}

// rawPanel is the part of a panel that the SDK keeps as opaque query values.
type rawPanel struct {
	ID      uint32            `json:"id"`
	Type    string            `json:"type"`
	Targets []json.RawMessage `json:"targets"`
	Options json.RawMessage   `json:"options"`
}

func rawPanels(t *testing.T, raw []byte) map[uint32]rawPanel {
	t.Helper()
	var doc struct {
		Panels []rawPanel `json:"panels"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	byID := map[uint32]rawPanel{}
	for _, p := range doc.Panels {
		byID[p.ID] = p
	}
	return byID
}

func variableByName(d dashboard.Dashboard, name string) *dashboard.VariableModel {
	for i := range d.Templating.List {
		if d.Templating.List[i].Name == name {
			return &d.Templating.List[i]
		}
	}
	return nil
}

func TestDashboardHeader(t *testing.T) {
	d, _ := loadDashboard(t)
	if d.Uid == nil || *d.Uid != "vm-telemetry" {
		t.Errorf("uid %v, want the fixed uid vm-telemetry", d.Uid)
	}
	if d.Title == nil || *d.Title == "" {
		t.Error("no title")
	}
	if current := dashboard.NewDashboard().SchemaVersion; d.SchemaVersion != current {
		t.Errorf("schemaVersion %d, want the current %d", d.SchemaVersion, current)
	}
	if d.Id != nil {
		t.Error("an id ties the dashboard to one Grafana database; provisioned dashboards carry none")
	}
}

func TestDashboardVariables(t *testing.T) {
	d, _ := loadDashboard(t)
	dsVar := variableByName(d, "datasource")
	if dsVar == nil || dsVar.Type != dashboard.VariableTypeDatasource {
		t.Fatal("no datasource variable `datasource`")
	}
	if dsVar.Query == nil || dsVar.Query.String == nil || *dsVar.Query.String != pluginID {
		t.Errorf("datasource variable lists %v, want data sources of type %s", dsVar.Query, pluginID)
	}

	for _, c := range []struct {
		name  string
		multi bool
	}{{"host", false}, {"vm", true}} {
		v := variableByName(d, c.name)
		if v == nil {
			t.Errorf("no variable %q", c.name)
			continue
		}
		if v.Type != dashboard.VariableTypeQuery {
			t.Errorf("variable %s is %s, want a query variable", c.name, v.Type)
		}
		if v.Datasource == nil || v.Datasource.Type == nil || *v.Datasource.Type != pluginID ||
			v.Datasource.Uid == nil || *v.Datasource.Uid != panelDatasource.UID {
			t.Errorf("variable %s queries %s, want %+v", c.name, describeRef(v.Datasource), panelDatasource)
		}
		if v.Query == nil || v.Query.Map == nil {
			t.Errorf("variable %s has no query object", c.name)
			continue
		}
		query := v.Query.Map
		if query["queryType"] != "variable" || query["variable"] != c.name {
			t.Errorf("variable %s query %v, want {queryType: variable, variable: %s}", c.name, query, c.name)
		}
		for key := range query {
			if !slices.Contains([]string{"refId", "queryType", "variable", "host"}, key) {
				t.Errorf("variable %s: query key %q is not part of the variable query model", c.name, key)
			}
		}
		raw, err := json.Marshal(query)
		if err != nil {
			t.Fatal(err)
		}
		checkWithBackend(t, "variable "+c.name, raw)
		if got := v.Multi != nil && *v.Multi; got != c.multi {
			t.Errorf("variable %s multi=%v, want %v", c.name, got, c.multi)
		}
		if v.Refresh == nil || *v.Refresh == dashboard.VariableRefreshNever {
			t.Errorf("variable %s never refreshes: new VMs would not show", c.name)
		}
	}
	// A fleet of hundreds of VMs: the overview shows them all; the detail
	// row repeats only for the VMs picked (All would draw 500 rows).
	if vm := variableByName(d, "vm"); vm != nil && vm.IncludeAll != nil && *vm.IncludeAll {
		t.Error("variable vm offers All: with hundreds of VMs every one would get its detail row")
	}
	if host := variableByName(d, "host"); host != nil && (host.IncludeAll == nil || !*host.IncludeAll || deref(host.AllValue) != "") {
		t.Error(`variable host must offer All as "" (every host), the overview's default`)
	}
}

// panelsInOrder flattens the dashboard: rows and the panels that follow them.
func panelsInOrder(d dashboard.Dashboard) (rows []dashboard.RowPanel, panels []dashboard.Panel) {
	for _, item := range d.Panels {
		if item.RowPanel != nil {
			rows = append(rows, *item.RowPanel)
			panels = append(panels, item.RowPanel.Panels...)
		}
		if item.Panel != nil {
			panels = append(panels, *item.Panel)
		}
	}
	return rows, panels
}

func TestDashboardRepeatsOneRowPerVM(t *testing.T) {
	d, _ := loadDashboard(t)
	rows, panels := panelsInOrder(d)
	if len(rows) != 1 {
		t.Fatalf("%d rows, want one row repeated per VM", len(rows))
	}
	row := rows[0]
	if row.Repeat == nil || *row.Repeat != "vm" {
		t.Fatalf("the row repeats %q, want the variable vm", deref(row.Repeat))
	}
	if v := variableByName(d, *row.Repeat); v == nil || v.Multi == nil || !*v.Multi {
		t.Errorf("the repeat variable %q does not exist or is not multi-valued", *row.Repeat)
	}
	if row.Title == nil || !strings.Contains(*row.Title, "$vm") {
		t.Errorf("row title %q does not name the VM", deref(row.Title))
	}
	if len(d.Panels) < 2 || d.Panels[0].Panel == nil || d.Panels[0].Panel.Type != "table" || d.Panels[1].RowPanel == nil {
		t.Error("the dashboard must open on the fleet overview, then the repeated row to which every other panel belongs")
	}
	if len(panels) == 0 {
		t.Fatal("no panels")
	}
}

// TestDashboardPanels checks every panel: data source, queries, the fields
// they return against the fields the panel names, units and thresholds.
func TestDashboardPanels(t *testing.T) {
	d, raw := loadDashboard(t)
	_, panels := panelsInOrder(d)
	raws := rawPanels(t, raw)
	ids := map[uint32]bool{}
	shownFields := map[string]string{}
	gauges := map[string]dashboard.GridPos{}
	for _, p := range panels {
		name := fmt.Sprintf("panel %v (%s)", deref(p.Title), p.Type)
		if p.Id == nil || ids[*p.Id] {
			t.Errorf("%s: missing or duplicate id", name)
			continue
		}
		ids[*p.Id] = true
		t.Run(deref(p.Title), func(t *testing.T) {
			fields := checkPanel(t, p, raws[*p.Id])
			for _, field := range fields {
				shownFields[field] = deref(p.Title)
			}
			if p.Type == "gauge" && len(fields) == 1 && p.GridPos != nil {
				gauges[fields[0]] = *p.GridPos
			}
		})
	}
	// Every value gauge has the gauge of its rate right beside it.
	for field, pos := range gauges {
		if strings.HasSuffix(field, "_rate") {
			continue
		}
		rateField := strings.TrimSuffix(field, "_per_second") + "_rate"
		ratePos, ok := gauges[rateField]
		if !ok {
			t.Errorf("the gauge of %s has no gauge of %s", field, rateField)
			continue
		}
		if ratePos.Y != pos.Y || ratePos.X != pos.X+pos.W {
			t.Errorf("the gauge of %s (%+v) is not right of the gauge of %s (%+v)", rateField, ratePos, field, pos)
		}
	}
	for _, field := range []string{"cpu_usage_percent", "memory_usage_percent", "disk_read_bytes_per_second",
		"disk_write_bytes_per_second", "network_rx_bytes_per_second", "network_tx_bytes_per_second"} {
		if _, ok := gauges[field]; !ok {
			t.Errorf("no panel shows %s", field)
		}
	}
}

// checkPanel checks one panel and returns the fields it shows.
func checkPanel(t *testing.T, p dashboard.Panel, raw rawPanel) []string {
	if p.Type == "table" {
		checkFleetPanel(t, p, raw)
		return nil
	}
	if !slices.Contains([]string{"gauge", "stat", "timeseries"}, p.Type) {
		t.Fatalf("panel type %q is not one this dashboard is checked for", p.Type)
	}
	if p.Datasource == nil || deref(p.Datasource.Type) != panelDatasource.Type || deref(p.Datasource.Uid) != panelDatasource.UID {
		t.Errorf("panel datasource %s, want %+v", describeRef(p.Datasource), panelDatasource)
	}
	if p.GridPos == nil || p.GridPos.X+p.GridPos.W > 24 || p.GridPos.W == 0 || p.GridPos.H == 0 {
		t.Errorf("gridPos %+v does not fit the 24-column grid", p.GridPos)
	}
	if len(raw.Targets) == 0 {
		t.Fatal("no queries")
	}
	if p.FieldConfig == nil {
		t.Fatal("no fieldConfig")
	}

	// The fields the backend returns for the panel's queries.
	var returned []string
	for i, target := range raw.Targets {
		q, err := decodeMetricsQuery(target)
		if err != nil {
			t.Errorf("query %d: %v", i, err)
			continue
		}
		checkWithBackend(t, fmt.Sprintf("query %d", i), target)
		if q.Datasource == nil || *q.Datasource != panelDatasource {
			t.Errorf("query %s datasource %+v, want %+v", q.RefID, q.Datasource, panelDatasource)
		}
		if q.VMMode != "list" || !slices.Equal(q.VMs, []string{"$vm"}) {
			t.Errorf("query %s selects vmMode %q vms %v, want list [$vm] (the row's VM)", q.RefID, q.VMMode, q.VMs)
		}
		wantLive := p.Type != "timeseries"
		if q.Live != wantLive {
			t.Errorf("query %s live=%v, want %v (gauges and stats update every second, the time series reads its range)", q.RefID, q.Live, wantLive)
		}
		if q.Live && q.LiveIntervalMs != 1000 {
			t.Errorf("query %s liveIntervalMs %d, want 1000", q.RefID, q.LiveIntervalMs)
		}
		returned = append(returned, q.valueFields()...)
	}

	// The fields the panel shows are the ones it names (a byName override with
	// a display name each): exactly the returned fields, nothing more or less.
	var named []string
	for _, o := range p.FieldConfig.Overrides {
		field, ok := o.Matcher.Options.(string)
		if o.Matcher.Id != "byName" || !ok {
			t.Errorf("override matcher %s %v: fields are named byName", o.Matcher.Id, o.Matcher.Options)
			continue
		}
		if !slices.ContainsFunc(o.Properties, func(v dashboard.DynamicConfigValue) bool { return v.Id == "displayName" && v.Value != "" }) {
			t.Errorf("field %s has no display name", field)
		}
		named = append(named, field)
	}
	slices.Sort(named)
	sortedReturned := slices.Sorted(slices.Values(returned))
	if !slices.Equal(named, sortedReturned) {
		t.Errorf("the panel names fields %v, its queries return %v", named, sortedReturned)
	}
	if p.Type == "gauge" && len(returned) != 1 {
		t.Errorf("a gauge shows one field, its query returns %v", returned)
	}
	if len(returned) > 0 {
		checkFieldDefaults(t, p, returned)
	}
	return returned
}

func checkFieldDefaults(t *testing.T, p dashboard.Panel, fields []string) {
	defaults := p.FieldConfig.Defaults
	units := map[string]bool{}
	for _, f := range fields {
		units[fieldUnit(f)] = true
	}
	if len(units) != 1 {
		t.Fatalf("fields %v have different units: one panel, one unit", fields)
	}
	want := fieldUnit(fields[0])
	if defaults.Unit == nil || *defaults.Unit != want {
		t.Errorf("unit %q, want %q (the unit the backend gives %v)", deref(defaults.Unit), want, fields)
	}
	if d := fieldDecimals(fields[0]); d >= 0 && (defaults.Decimals == nil || *defaults.Decimals != float64(d)) {
		t.Errorf("decimals %v, want %d", deref(defaults.Decimals), d)
	}
	if defaults.Min == nil || defaults.Max == nil || *defaults.Min >= *defaults.Max {
		t.Errorf("min %v max %v: a gauge needs both, min below max", defaults.Min, defaults.Max)
	}
	th := defaults.Thresholds
	if th == nil || th.Mode != dashboard.ThresholdsModeAbsolute || len(th.Steps) < 2 {
		t.Fatalf("thresholds %+v: want absolute thresholds with a base and at least one step", th)
	}
	if th.Steps[0].Value != nil {
		t.Error("the first threshold step must be the base (value null)")
	}
	for i := 2; i < len(th.Steps); i++ {
		if th.Steps[i].Value == nil || th.Steps[i-1].Value == nil || *th.Steps[i].Value <= *th.Steps[i-1].Value {
			t.Errorf("threshold steps are not ascending: %+v", th.Steps)
		}
	}
	if p.Type == "timeseries" {
		return
	}
	if defaults.Color == nil || defaults.Color.Mode != dashboard.FieldColorModeIdThresholds {
		t.Errorf("color %+v: gauges take their colour from the thresholds", defaults.Color)
	}
	switch want {
	case "degree":
		// Rising orange/red, flat green, falling blue, as the seed's table.
		for _, c := range []struct {
			value  float64
			colors []string
		}{{-30, []string{"blue"}}, {0, []string{"green"}}, {10, []string{"orange", "red"}}, {84.3, []string{"red"}}} {
			if got := thresholdColor(*th, c.value); !slices.Contains(c.colors, got) {
				t.Errorf("a rate of %v° is %s, want %v", c.value, got, c.colors)
			}
		}
		if *defaults.Min != -90 || *defaults.Max != 90 {
			t.Errorf("rate range %v..%v, want -90..90 (the angle's range)", *defaults.Min, *defaults.Max)
		}
	case "percent":
		if *defaults.Min != 0 || *defaults.Max != 100 {
			t.Errorf("percent range %v..%v, want 0..100", *defaults.Min, *defaults.Max)
		}
		if fields[0] == "cpu_usage_percent" {
			for value, color := range map[float64]string{50: "green", 80: "orange", 94.9: "orange", 95: "red"} {
				if got := thresholdColor(*th, value); got != color {
					t.Errorf("CPU at %v %% is %s, want %s", value, got, color)
				}
			}
		}
		if thresholdColor(*th, 50) != "green" || thresholdColor(*th, 99) != "red" {
			t.Errorf("%v: 50 %% should be green and 99 %% red", fields)
		}
	case "binBps":
		if thresholdColor(*th, 0) != "green" || thresholdColor(*th, *defaults.Max) != "red" {
			t.Errorf("%v: idle should be green and the maximum red", fields)
		}
	}
	if p.Type == "stat" {
		for value, symbol := range map[float64]string{-12.5: "╲", 0: "━", 0.2: "━", 84.3: "╱"} {
			if got := mappedText(defaults.Mappings, value); !strings.Contains(got, symbol) {
				t.Errorf("a rate of %v° shows %q, want %s", value, got, symbol)
			}
		}
	}
}

// checkFleetPanel: the overview is one live fleet query of $host, ranks by
// CPU, names every column it shows, and links each row to its VM's detail
// by its reference.
func checkFleetPanel(t *testing.T, p dashboard.Panel, raw rawPanel) {
	if len(raw.Targets) != 1 {
		t.Fatalf("the overview has %d queries, want one fleet query", len(raw.Targets))
	}
	var q struct {
		QueryType string `json:"queryType"`
		Host      string `json:"host"`
		Live      bool   `json:"live"`
	}
	if err := json.Unmarshal(raw.Targets[0], &q); err != nil || q.QueryType != "fleet" || q.Host != "$host" || !q.Live {
		t.Errorf("overview query %s (%v), want a live fleet query of $host", raw.Targets[0], err)
	}
	checkWithBackend(t, "overview query", raw.Targets[0])
	named := map[string]bool{}
	for _, o := range p.FieldConfig.Overrides {
		if name, ok := o.Matcher.Options.(string); ok {
			named[name] = true
		}
	}
	for _, column := range []string{"vm", "host", "state", "time", "cpu_usage_percent", "cpu_usage_percent_rate", "memory_usage_percent",
		"memory_usage_percent_rate", "disk_read_bytes_per_second", "disk_write_bytes_per_second", "network_rx_bytes_per_second", "network_tx_bytes_per_second"} {
		if !named[column] {
			t.Errorf("the overview does not show %s", column)
		}
	}
	links := p.FieldConfig.Defaults.Links
	if len(links) != 1 || !strings.Contains(deref(links[0].Url), "var-vm=${__data.fields.ref}") || !strings.Contains(deref(links[0].Url), "var-host=${__data.fields.host}") {
		t.Errorf("overview links %v, want one data link setting var-host and var-vm to the row's VM", links)
	}
	var options struct {
		SortBy []struct {
			DisplayName string `json:"displayName"`
			Desc        bool   `json:"desc"`
		} `json:"sortBy"`
	}
	if err := json.Unmarshal(raw.Options, &options); err != nil || len(options.SortBy) != 1 || options.SortBy[0].DisplayName != "CPU %" || !options.SortBy[0].Desc {
		t.Errorf("overview sort %+v (%v), want by CPU %%, busiest first", options.SortBy, err)
	}
}

// thresholdColor mirrors Grafana's getActiveThreshold: the last step whose
// value is at or below v, the base step counting as −∞.
func thresholdColor(th dashboard.ThresholdsConfig, v float64) string {
	color := ""
	for _, step := range th.Steps {
		if step.Value == nil || *step.Value <= v {
			color = step.Color
		}
	}
	return color
}

// mappedText mirrors Grafana's getValueMappingResult for range and special
// mappings: the first mapping that matches, ranges inclusive at both ends.
func mappedText(mappings []dashboard.ValueMapping, v float64) string {
	for _, m := range mappings {
		switch {
		case m.RangeMap != nil:
			from, to := math.Inf(-1), math.Inf(1)
			if m.RangeMap.Options.From != nil {
				from = *m.RangeMap.Options.From
			}
			if m.RangeMap.Options.To != nil {
				to = *m.RangeMap.Options.To
			}
			if v >= from && v <= to {
				return deref(m.RangeMap.Options.Result.Text)
			}
		case m.SpecialValueMap != nil:
			if math.IsNaN(v) && strings.Contains(string(m.SpecialValueMap.Options.Match), "nan") {
				return deref(m.SpecialValueMap.Options.Result.Text)
			}
		}
	}
	return ""
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func describeRef(ref *common.DataSourceRef) string {
	if ref == nil {
		return "none"
	}
	return fmt.Sprintf("{Type:%s UID:%s}", deref(ref.Type), deref(ref.Uid))
}

// dashboardProviders is Grafana's dashboard provisioning format, apiVersion 1.
type dashboardProviders struct {
	APIVersion int `yaml:"apiVersion"`
	Providers  []struct {
		Name                  string `yaml:"name"`
		OrgID                 int64  `yaml:"orgId"`
		Folder                string `yaml:"folder"`
		FolderUID             string `yaml:"folderUid"`
		Type                  string `yaml:"type"`
		DisableDeletion       bool   `yaml:"disableDeletion"`
		AllowUIUpdates        bool   `yaml:"allowUiUpdates"`
		UpdateIntervalSeconds int64  `yaml:"updateIntervalSeconds"`
		Options               struct {
			Path                      string `yaml:"path"`
			FoldersFromFilesStructure bool   `yaml:"foldersFromFilesStructure"`
		} `yaml:"options"`
	} `yaml:"providers"`
}

func TestDashboardProvider(t *testing.T) {
	raw, err := os.ReadFile("dashboards/vm-telemetry.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var file dashboardProviders
	decoder := yaml.NewDecoder(bytes.NewReader(raw))
	decoder.KnownFields(true)
	if err := decoder.Decode(&file); err != nil {
		t.Fatalf("not Grafana's dashboard provisioning format: %v", err)
	}
	if file.APIVersion != 1 || len(file.Providers) != 1 {
		t.Fatalf("apiVersion %d with %d providers, want 1 and one file provider", file.APIVersion, len(file.Providers))
	}
	provider := file.Providers[0]
	if provider.Type != "file" || provider.OrgID != 1 || provider.Folder == "" {
		t.Errorf("provider %+v: want a file provider for org 1 into a named folder", provider)
	}
	d, _ := loadDashboard(t)
	if provider.FolderUID == "" || provider.FolderUID == deref(d.Uid) {
		t.Errorf("folderUid %q must be set and differ from the dashboard's uid (folders and dashboards share uids)", provider.FolderUID)
	}
}
