// The benchmark's second Go reference: gorilla/websocket's own examples/chat, its design kept as it is, so that the
// table can say how far the models are from the canonical hub itself, not only from a peer reshaped to this
// repository's protocol (../peer-go/hub.go, one frame per line). Built like that one, from Debian's packages:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o target/chat-go chat.go
//
// The design, as the example has it:
//   - raw text lines: no names, no welcome, no presence, no seq; a line's newlines become spaces;
//   - one goroutine (run) owns the client set and never waits on a client: a client whose queue is full is dropped;
//   - a readPump and a writePump per client, the writePump the connection's only writer;
//   - the writePump puts every line queued by the time it writes into the same message, separated by newlines: one
//     frame while it fits the 1 KiB write buffer (gorilla sends a longer one as several fragments), so a busy client
//     gets fewer frames and writes than lines.
//
// The load generator reads a message as the example's page does: split on newlines, one line each.
//
// Departures, none on a line's path but the last: it listens on 127.0.0.1 at --port (0: any free port) and prints
// "listening on" as the benchmark's servers do, serves /chat (not /ws) and no page, logs nothing, exits on SIGTERM
// or Ctrl-C, and takes lines of up to 4096 bytes (this protocol's limit; the example's is 512, shorter than the
// benchmark's lines).
package main

import (
	"bytes"
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
	// writeWait: a client that cannot take a frame (or a ping) in this time is gone.
	writeWait = 10 * time.Second
	// pongWait: a client that sends no pong for this long is gone (its lines do not count, as in the example).
	pongWait = 60 * time.Second
	// pingPeriod: shorter than pongWait, so that a live client's pong always comes in time.
	pingPeriod = pongWait * 9 / 10
	// maxMessageSize: the longest line a client may send.
	maxMessageSize = 4096
	// sendBuffer: lines queued for one client before the hub drops it as too slow.
	sendBuffer = 256
)

var (
	newline = []byte{'\n'}
	space   = []byte{' '}
)

type client struct {
	hub  *hub
	conn *websocket.Conn
	send chan []byte // lines for this client; closed by the hub when it drops the client
}

// hub: the only goroutine that touches the client set. Invariant: it never waits on a client.
type hub struct {
	clients    map[*client]bool
	broadcast  chan []byte
	register   chan *client
	unregister chan *client
}

func (h *hub) run() {
	for {
		select {
		case c := <-h.register:
			h.clients[c] = true
		case c := <-h.unregister:
			if h.clients[c] {
				delete(h.clients, c)
				close(c.send)
			}
		case line := <-h.broadcast:
			for c := range h.clients {
				select {
				case c.send <- line:
				default: // its queue is full: dropped, never waited for
					delete(h.clients, c)
					close(c.send)
				}
			}
		}
	}
}

// readPump: the connection's only reader. Each line goes to the hub; a pong moves the read deadline on.
func (c *client) readPump() {
	defer func() {
		c.hub.unregister <- c
		c.conn.Close()
	}()
	c.conn.SetReadLimit(maxMessageSize)
	c.conn.SetReadDeadline(time.Now().Add(pongWait))
	c.conn.SetPongHandler(func(string) error { c.conn.SetReadDeadline(time.Now().Add(pongWait)); return nil })
	for {
		_, line, err := c.conn.ReadMessage()
		if err != nil {
			return
		}
		c.hub.broadcast <- bytes.TrimSpace(bytes.Replace(line, newline, space, -1))
	}
}

// writePump: the connection's only writer. Invariant: at most one writer per connection.
func (c *client) writePump() {
	ticker := time.NewTicker(pingPeriod)
	defer func() {
		ticker.Stop()
		c.conn.Close()
	}()
	for {
		select {
		case line, open := <-c.send:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if !open { // dropped by the hub
				c.conn.WriteMessage(websocket.CloseMessage, []byte{})
				return
			}
			frame, err := c.conn.NextWriter(websocket.TextMessage)
			if err != nil {
				return
			}
			frame.Write(line)
			for queued := len(c.send); queued > 0; queued-- { // the lines that came meanwhile: the same frame
				frame.Write(newline)
				frame.Write(<-c.send)
			}
			if frame.Close() != nil {
				return
			}
		case <-ticker.C:
			c.conn.SetWriteDeadline(time.Now().Add(writeWait))
			if c.conn.WriteMessage(websocket.PingMessage, nil) != nil {
				return
			}
		}
	}
}

func main() {
	port := flag.Int("port", 8080, "TCP port on 127.0.0.1 (0: any free port)")
	flag.Parse()
	h := &hub{map[*client]bool{}, make(chan []byte), make(chan *client), make(chan *client)}
	go h.run()
	upgrader := websocket.Upgrader{ReadBufferSize: 1024, WriteBufferSize: 1024}
	http.HandleFunc("/chat", func(w http.ResponseWriter, r *http.Request) {
		conn, err := upgrader.Upgrade(w, r, nil)
		if err != nil {
			return
		}
		c := &client{h, conn, make(chan []byte, sendBuffer)}
		h.register <- c
		go c.writePump()
		go c.readPump()
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
	<-stop
	os.Exit(0)
}
