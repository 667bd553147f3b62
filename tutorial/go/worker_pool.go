//go:build ignore

// The Go form of the worker-pool model, as chapter 05 of the tutorial quotes it. It is a sketch of
// the idiom the seed articles use (gorilla/websocket), not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-form
jobs := make(chan []byte, 1024)
for i := 0; i < 4; i++ {
    go func() {
        for line := range jobs {
            for _, c := range clients {
                c.WriteMessage(websocket.TextMessage, line) // any worker, any conn
            }
        }
    }()
}
// end-snippet
