package plugin

import (
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
)

func TestApplyAlias(t *testing.T) {
	labels := data.Labels{"vm": "one-71", "host": "kvm1", "uuid": "u-71"}
	one := 1.0
	start := time.Date(2025, 12, 4, 10, 30, 45, 0, time.UTC)
	newFrame := func() *data.Frame {
		return data.NewFrame("one-71",
			data.NewField("time", nil, []time.Time{start}),
			data.NewField("cpu_usage_percent", labels, []*float64{&one}),
			data.NewField("cpu_usage_percent_rate", labels, []*float64{&one}),
		)
	}
	for alias, want := range map[string][]string{
		"{{vm}} on {{host}}: {{field}}": {"one-71 on kvm1: cpu_usage_percent", "one-71 on kvm1: cpu_usage_percent_rate"},
		"{{ vm }}/{{uuid}}":             {"one-71/u-71", "one-71/u-71"},
		"{{vm}} {{nope}}":               {"one-71 {{nope}}", "one-71 {{nope}}"},
	} {
		frame := newFrame()
		applyAlias(data.Frames{frame}, alias)
		if frame.Fields[0].Config != nil {
			t.Errorf("%q: the time field was renamed", alias)
		}
		for i, w := range want {
			if got := frame.Fields[i+1].Config.DisplayNameFromDS; got != w {
				t.Errorf("%q: field %d named %q, want %q", alias, i+1, got, w)
			}
		}
	}
	frame := newFrame()
	applyAlias(data.Frames{frame}, "")
	if frame.Fields[1].Config != nil {
		t.Error("an empty alias changed the names")
	}
}
