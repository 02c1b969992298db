// A client built from current go-lo's field numbers (duration = 4,
// output = 5, tags = 6), its stubs generated from tests/golang/proto/current
// by Debian's protoc-gen-go, run against a real golo-host started with
// --go-lo-layout current, and against one in the seed layout when it asks
// for current per call ("golo-layout: current" metadata). Prints the
// failures and "N passed, N failed"; exits non-zero on any failure.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/golang/protobuf/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	pb "golotest/currentpb"
	g "golotest/gocheck"
)

// suite: the checks through a client of addr; md, when given, is sent with
// every call.
func suite(addr string, md ...string) (*g.Suite, func()) {
	conn, err := grpc.Dial(addr, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithTimeout(10*time.Second))
	if err != nil {
		g.Fatal("dial %s: %v", addr, err)
	}
	job := pb.NewJobClient(conn)
	call := func(name string) (g.Reply, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if len(md) > 0 {
			ctx = metadata.AppendToOutgoingContext(ctx, md...)
		}
		r, err := job.Trigger(ctx, &pb.Context{JobName: name})
		if err != nil {
			return g.Reply{}, err
		}
		out := g.Reply{ID: r.Id, JobName: r.JobName, Error: r.Error,
			Output: r.Output, Duration: r.Duration, Size: proto.Size(r)}
		for _, t := range r.Tags {
			out.Tags = append(out.Tags, [2]string{t.Key, t.Value})
		}
		return out, nil
	}
	return &g.Suite{Call: call, WantDuration: true}, func() { conn.Close() }
}

func main() {
	flag.Parse()
	files := [][2]string{
		{g.Example("noop"), "noop"}, {g.Example("abi_tour"), "abi_tour"},
		{g.Test("tag_formats"), "tag_formats"},
		{g.Test("huge_tags"), "huge_tags"},
		{g.Test("worst_reply"), "worst_reply"},
	}
	host := g.StartHost(g.Plugins("current-plugins", files),
		"--go-lo-layout", "current")
	s, done := suite(host.Addr)
	start := time.Now()
	s.Concurrent(8, 500)
	fmt.Printf("8 x 500 abi_tour and 8 x 500 noop calls in %v\n", time.Since(start))
	s.TagFormats()
	s.HugeTags()
	s.WorstReply()
	done()
	host.Stop()

	// A host in the default (seed) layout answers this client in its own
	// layout when the call asks for it.
	seed := g.StartHost(g.Plugins("seed-layout-plugins", files))
	asking, done := suite(seed.Addr, "golo-layout", "current")
	asking.Concurrent(2, 50)
	asking.HugeTags()
	done()
	seed.Stop()
	s.Passed += asking.Passed
	s.Failed += asking.Failed
	s.Exit()
}
