//go:build ignore

// The Go form of the mutex-map model, as chapter 07 of the tutorial quotes it. It is a sketch of
// the idiom the seed articles use (gorilla/websocket), not a program: the build tag above keeps
// the Go tools away from it.
package chat

// snippet:go-form
var mu sync.RWMutex

func broadcast(line []byte) {
    mu.RLock()
    defer mu.RUnlock()
    for c := range clients {
        if err := c.WriteMessage(websocket.TextMessage, line); err != nil {
            remove(c) // takes mu.Lock() while this goroutine holds mu.RLock()
        }
    }
}
// end-snippet
