package gocheck

import (
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Reply is what a client decoded from one Job.Trigger reply, whichever
// layout its messages have; Duration is 0 for a layout without one.
type Reply struct {
	ID, JobName string
	Error       bool
	Output      string
	Tags        [][2]string
	Duration    uint64
	Size        int // the reply as the client's messages encode it again
}

// Call makes one Job.Trigger call for job, as one client does.
type Call func(job string) (Reply, error)

// Suite runs the checks every go-lo client must pass against a host.
type Suite struct {
	Checks
	Call         Call
	WantDuration bool // the layout has duration (current go-lo)
}

// Concurrent makes workers × calls calls to abi_tour (a fresh host: its
// call numbers start at 1) and as many to noop, all at once, and checks
// every field of every reply: ids distinct v4 UUIDs, call numbers 1..N
// without gaps or repeats, tags as go-lo formats them.
func (s *Suite) Concurrent(workers, calls int) {
	var mu sync.Mutex
	ids := map[string]bool{}
	seen := map[uint64]int{}
	var wg sync.WaitGroup
	for w := 0; w < 2*workers; w++ {
		job := []string{"abi_tour", "noop"}[w%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < calls; i++ {
				r, err := s.Call(job)
				mu.Lock()
				s.one(job, r, err, ids, seen)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	total := workers * calls
	s.Check("abi_tour: distinct v4 ids", len(ids) == total, len(ids))
	gaps := 0
	for n := uint64(1); n <= uint64(total); n++ {
		if seen[n] != 1 {
			gaps++
		}
	}
	s.Check("abi_tour: call numbers 1..N each once", gaps == 0 &&
		len(seen) == total, gaps, " numbers missing or repeated")
}

func (s *Suite) one(job string, r Reply, err error, ids map[string]bool,
	seen map[uint64]int) {
	if err != nil {
		s.Check(job+": call", false, err)
		return
	}
	ok := r.JobName == job && !r.Error && (!s.WantDuration || r.Duration > 0)
	if job == "noop" {
		s.Check("noop: reply", ok && r.Output == "" && len(r.Tags) == 0, r)
		return
	}
	var n uint64
	_, scanErr := fmt.Sscanf(r.Output, "hello from abi_tour #%d", &n)
	ok = ok && scanErr == nil && UUIDv4.MatchString(r.ID) && !ids[r.ID] &&
		fmt.Sprint(r.Tags) == fmt.Sprint(AbiTourTags(n))
	if !s.Check("abi_tour: reply", ok, r) {
		return
	}
	ids[r.ID] = true
	seen[n]++
}

// TagFormats: plugin tag_formats' 17 tags read as Go's %v writes them.
func (s *Suite) TagFormats() {
	r, err := s.Call("tag_formats")
	if !s.Check("tag_formats: call", err == nil, err) {
		return
	}
	want := TagFormats()
	s.Check("tag_formats: 17 tags", len(r.Tags) == len(want), len(r.Tags))
	for i := 0; i < len(r.Tags) && i < len(want); i++ {
		v := fmt.Sprintf("%v", want[i])
		s.Check("tag_formats: "+v, r.Tags[i] == [2]string{v, v}, r.Tags[i])
	}
}

// HugeTags: 64 tags, the first with a 4096-byte key and value (a tag past
// 127 bytes is where a reader of the wrong layout fails).
func (s *Suite) HugeTags() {
	r, err := s.Call("huge_tags")
	if !s.Check("huge_tags: call", err == nil, err) {
		return
	}
	ok := len(r.Tags) == 64 &&
		r.Tags[0] == [2]string{strings.Repeat("k", 4096),
			strings.Repeat("v", 4096)}
	for i := 1; ok && i < 64; i++ {
		ok = r.Tags[i] == [2]string{fmt.Sprintf("t%d", i), fmt.Sprint(i)}
	}
	s.Check("huge_tags: 64 tags, 4 KiB ones whole", ok, len(r.Tags))
}

// WorstReply: 1 MiB of output that is not UTF-8, with every other field at
// its limit, reads under the client's default 4 MiB receive limit.
func (s *Suite) WorstReply() {
	r, err := s.Call("worst_reply")
	if !s.Check("worst_reply: read with default limits", err == nil, err) {
		return
	}
	s.Check("worst_reply: under 4 MiB", r.Size < 4<<20, r.Size)
	s.Check("worst_reply: output is UTF-8", utf8.ValidString(r.Output))
	fffd := strings.Count(r.Output, "\uFFFD")
	s.Check("worst_reply: output is the repaired text, cut",
		fffd > 512*1024 && fffd < 1<<20 && len(r.Output) == 3*fffd, fffd)
	s.Check("worst_reply: 64 tags and the id whole", len(r.Tags) == 64 &&
		len(r.ID) == 4096 && len(r.Tags[63][0]) == 4096, len(r.Tags))
}

// UnknownJob: NOT_FOUND naming 20 of the jobs loaded and how many more.
func (s *Suite) UnknownJob(more int) {
	_, err := s.Call("nope")
	st := status.Convert(err)
	s.Check("unknown job: NOT_FOUND", st.Code() == codes.NotFound, st.Code())
	msg := st.Message()
	listed := strings.SplitN(msg, "jobs: ", 2)
	ok := strings.HasPrefix(msg, `job "nope" not found`) && len(listed) == 2
	if ok {
		names := strings.Split(strings.SplitN(listed[1], " and ", 2)[0], ", ")
		ok = len(names) == 20 &&
			strings.HasSuffix(msg, fmt.Sprintf(" and %d more", more))
	}
	s.Check("unknown job: lists 20 jobs and the count of the rest", ok, msg)
	_, err = s.Call("")
	st = status.Convert(err)
	s.Check("empty jobName among several: NOT_FOUND",
		st.Code() == codes.NotFound &&
			strings.HasPrefix(st.Message(), "jobName is empty"), st.Message())
}
