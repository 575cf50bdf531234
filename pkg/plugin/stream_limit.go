package plugin

import (
	"fmt"
	"sync"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// maxLiveStreams caps the live streams (channels) that one plugin process
// runs at once, across its data sources. Each reads InfluxDB every interval,
// and a channel follows from its data (host filter, stream options, any other
// key): without a cap, one viewer could start any number of pollers by
// varying it. A dashboard needs one channel per data source and host filter.
const maxLiveStreams = 64

// liveStreams counts the channels this process runs.
var liveStreams = newStreamSlots(maxLiveStreams)

// streamSlots admits at most limit distinct channels at a time; a channel
// already running is always admitted again (Grafana may call RunStream anew
// for it, and every subscriber of it subscribes).
type streamSlots struct {
	mu      sync.Mutex
	limit   int
	running map[string]int
}

func newStreamSlots(limit int) *streamSlots {
	return &streamSlots{limit: limit, running: map[string]int{}}
}

// channelKey names a channel across the data sources of the process.
func channelKey(pc backend.PluginContext, path string) string {
	uid := ""
	if pc.DataSourceInstanceSettings != nil {
		uid = pc.DataSourceInstanceSettings.UID
	}
	return uid + "/" + path
}

// admits says whether a subscriber of channel key may join: it runs already,
// or there is room for one more.
func (s *streamSlots) admits(key string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.running[key] > 0 || len(s.running) < s.limit
}

// acquire counts one run of channel key; release ends it.
func (s *streamSlots) acquire(key string) (release func(), err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.running[key] == 0 && len(s.running) >= s.limit {
		return nil, s.full()
	}
	s.running[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if s.running[key]--; s.running[key] <= 0 {
				delete(s.running, key)
			}
		})
	}, nil
}

func (s *streamSlots) full() error {
	return fmt.Errorf("this plugin process runs %d live streams already, the most it allows: each data source, host filter and set of stream options is one stream; close live panels or share their options", s.limit)
}
