// A go-lo client of the seed's layout (output = 4, tags = 5), its stubs
// generated from tests/golang/proto/seed by Debian's protoc-gen-go, run
// against a real golo-host in its default layout. Prints the failures and
// "N passed, N failed"; exits non-zero on any failure.
package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/golang/protobuf/proto"
	"google.golang.org/grpc"

	g "golotest/gocheck"
	pb "golotest/seedpb"
)

func main() {
	flag.Parse()
	files := [][2]string{
		{g.Example("noop"), "noop"}, {g.Example("abi_tour"), "abi_tour"},
		{g.Test("tag_formats"), "tag_formats"},
		{g.Test("huge_tags"), "huge_tags"},
		{g.Test("worst_reply"), "worst_reply"},
	}
	// More jobs than NOT_FOUND lists: 5 + 20 = 25, so 5 "more".
	for i := 1; i <= 20; i++ {
		files = append(files, [2]string{g.Example("noop"), fmt.Sprintf("job%02d", i)})
	}
	host := g.StartHost(g.Plugins("seed-plugins", files))
	// A go-lo client as go-lo makes one: no options past the address, so
	// grpc-go's default 4 MiB receive limit.
	conn, err := grpc.Dial(host.Addr, grpc.WithInsecure(), grpc.WithBlock(),
		grpc.WithTimeout(10*time.Second))
	if err != nil {
		g.Fatal("dial %s: %v", host.Addr, err)
	}
	defer conn.Close()
	job := pb.NewJobClient(conn)
	s := g.Suite{Call: func(name string) (g.Reply, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		r, err := job.Trigger(ctx, &pb.Context{JobName: name})
		if err != nil {
			return g.Reply{}, err
		}
		out := g.Reply{ID: r.Id, JobName: r.JobName, Error: r.Error,
			Output: r.Output, Size: proto.Size(r)}
		for _, t := range r.Tags {
			out.Tags = append(out.Tags, [2]string{t.Key, t.Value})
		}
		return out, nil
	}}
	start := time.Now()
	s.Concurrent(8, 1000)
	fmt.Printf("8 x 1000 abi_tour and 8 x 1000 noop calls in %v\n", time.Since(start))
	s.TagFormats()
	s.HugeTags()
	s.WorstReply()
	s.UnknownJob(5)
	host.Stop()
	s.Exit()
}
