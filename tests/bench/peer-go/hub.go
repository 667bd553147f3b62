// The benchmark's Go reference: gorilla/websocket's chat hub, reshaped to speak the Five Chats protocol, so the
// same load generator measures it the same way as the Java models. Built from Debian's golang-go and
// golang-github-gorilla-websocket-dev in GOPATH mode (there is no module proxy here):
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o target/hub-go hub.go
//
// One file, the shape of gorilla's examples/chat: one goroutine (run) owns the client set; each client has a
// readPump and a writePump, and the writePump is the connection's only writer. A broadcast is encoded once as a
// PreparedMessage and shared by every recipient, as gorilla recommends for fan-out.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gorilla/websocket"
)

const (
	// writeWait: a client that cannot take a frame in this time is gone (the transport's default write wait).
	writeWait = 10 * time.Second
	// maxMessageSize: the protocol's line limit, 4096 bytes.
	maxMessageSize = 4096
	// sendBuffer: frames queued for one client before it counts as too slow (gorilla's 256).
	sendBuffer = 256
)

type client struct {
	conn     *websocket.Conn
	name     string
	presence bool // false for presence=off: no joins, no leaves, a welcome listing only itself
	send     chan *websocket.PreparedMessage
}

// hub: the only goroutine that touches clients. Invariant: at most one writer per connection, the client's writePump.
type hub struct {
	clients    map[*client]bool
	register   chan *client
	unregister chan *client
	broadcast  chan message
}

type message struct {
	frame    *websocket.PreparedMessage
	presence bool // a join or leave: skipped for clients with presence off
}

// The protocol's frames; struct fields keep the protocol's key order ("type" first), which a map would sort.
type welcome struct {
	Type   string   `json:"type"`
	You    string   `json:"you"`
	Online []string `json:"online"`
}
type presence struct {
	Type string `json:"type"`
	Name string `json:"name"`
}
type chat struct {
	Type string `json:"type"`
	From string `json:"from"`
	Seq  int    `json:"seq"`
	Text string `json:"text"`
}

func prepare(v interface{}) *websocket.PreparedMessage {
	data, _ := json.Marshal(v)
	pm, _ := websocket.NewPreparedMessage(websocket.TextMessage, data) // encoded once, for every recipient
	return pm
}

func (h *hub) run() {
	for {
		select {
		case c := <-h.register:
			online := []string{c.name}
			if c.presence {
				online = online[:0]
				for other := range h.clients {
					online = append(online, other.name)
				}
				online = append(online, c.name)
			}
			c.send <- prepare(welcome{"welcome", c.name, online})
			h.fanOut(message{prepare(presence{"join", c.name}), true})
			h.clients[c] = true
		case c := <-h.unregister:
			if h.clients[c] {
				h.drop(c)
				h.fanOut(message{prepare(presence{"leave", c.name}), true})
			}
		case m := <-h.broadcast:
			h.fanOut(m)
		}
	}
}

func (h *hub) fanOut(m message) {
	for c := range h.clients {
		if m.presence && !c.presence {
			continue
		}
		select {
		case c.send <- m.frame:
		default: // too slow: gorilla's eviction
			h.drop(c)
		}
	}
}

func (h *hub) drop(c *client) {
	delete(h.clients, c)
	close(c.send)
}

// readPump: the connection's only reader. Counts this sender's lines (seq) and hands each to the hub.
func (c *client) readPump(h *hub) {
	defer func() { h.unregister <- c; c.conn.Close() }()
	c.conn.SetReadLimit(maxMessageSize)
	for seq := 1; ; seq++ {
		_, text, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		h.broadcast <- message{prepare(chat{"chat", c.name, seq, string(text)}), false}
	}
}

// writePump: the connection's only writer.
func (c *client) writePump() {
	defer c.conn.Close()
	for frame := range c.send {
		c.conn.SetWriteDeadline(time.Now().Add(writeWait))
		if c.conn.WritePreparedMessage(frame) != nil {
			return
		}
	}
	c.conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(1008, "too slow"), time.Now().Add(writeWait))
}

func main() {
	port := flag.Int("port", 8080, "TCP port on 127.0.0.1 (0: any free port)")
	flag.Parse()
	h := &hub{map[*client]bool{}, make(chan *client), make(chan *client), make(chan message)}
	go h.run()
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	http.HandleFunc("/chat", func(w http.ResponseWriter, r *http.Request) {
		name := r.URL.Query().Get("name")
		if name == "" {
			http.Error(w, "name is required", http.StatusBadRequest)
			return
		}
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &client{conn, name, r.URL.Query().Get("presence") != "off", make(chan *websocket.PreparedMessage, sendBuffer)}
		go c.writePump()
		h.register <- c
		go c.readPump(h)
	})
	listener, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("listening on http://127.0.0.1:%d/\n", listener.Addr().(*net.TCPAddr).Port)
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, os.Interrupt)
	go http.Serve(listener, nil)
	<-stop // the benchmark stops the peer with SIGTERM; its clients see the connection end
	os.Exit(0)
}
