//go:build ignore

// The Go form of the cluster, as chapter 12 of the tutorial quotes it: gorilla's hub joined to other servers through
// Redis with go-redis (github.com/redis/go-redis/v9). A sketch of the idiom, not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-pubsub
// What most tutorials show: publish each line, and feed what the subscription hears into the hub.
func (c *Client) readPump() {
	for {
		_, line, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.hub.broadcast <- line                   // local clients at once
		rdb.Publish(ctx, "chat", encode(c, line)) // the other servers, at most once
	}
}

func subscribe(hub *Hub) {
	for msg := range rdb.Subscribe(ctx, "chat").Channel() { // go-redis resubscribes after a reconnect...
		if from(msg) != myNode {
			hub.broadcast <- body(msg) // ...but what was published in between is gone
		}
	}
}
// end-snippet

// snippet:go-streams
// The fix: one stream, read from the last id delivered; every line, local ones too, comes back through it.
func readStream(hub *Hub) {
	last := newestID() // what came before this server started is not its business
	for {
		streams, err := rdb.XRead(ctx, &redis.XReadArgs{Streams: []string{"chat", last}, Block: time.Second, Count: 512}).Result()
		if err != nil && err != redis.Nil {
			continue // the connection broke; the next XRead resumes after last
		}
		for _, entry := range entriesOf(streams) {
			if seq(entry) > lastSeq[sender(entry)] { // a resent XADD is not delivered twice
				lastSeq[sender(entry)] = seq(entry)
				hub.broadcast <- body(entry)
			}
			last = entry.ID
		}
	}
}
// end-snippet
