package plugin

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strconv"
)

// Stub returns a small static linux/amd64 ELF executable that serves the
// plugin HTTP protocol on the unix socket at socketPath, the same fixed
// JSON body to every request: enough for `docker plugin enable` and for
// the Engine's calls to a plugin that does nothing. A body such as
// {"Implements":["VolumeDriver"],"Volumes":[],"Capabilities":{"Scope":"local"},"Err":""}
// satisfies /Plugin.Activate and every VolumeDriver call.
//
// It is generated, not compiled: the demo seeder builds its plugins
// without a Go toolchain or a committed binary. The program (about 200
// bytes of code, written out below instruction by instruction) does:
//
//	fd = socket(AF_UNIX, SOCK_STREAM, 0); unlink(path); bind(fd, path) or exit(1); listen(fd, 16)
//	for { c = accept(fd); read(c); write(c, response); shutdown(c, SHUT_WR); read(c) until EOF; close(c) }
//
// Reading the request before answering, and draining it after, keeps a
// request body unread at close from resetting the client's connection.
func Stub(socketPath string, body []byte) ([]byte, error) {
	if len(socketPath) == 0 || len(socketPath) > 107 {
		return nil, fmt.Errorf("socket path %q: want 1 to 107 bytes", socketPath)
	}
	response := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.plugins.v1+json\r\nContent-Length: " +
		strconv.Itoa(len(body)) + "\r\nConnection: close\r\n\r\n")
	response = append(response, body...)
	sockaddr := make([]byte, 110) // struct sockaddr_un: family, then the NUL-terminated path
	binary.LittleEndian.PutUint16(sockaddr, 1)
	copy(sockaddr[2:], socketPath)

	code := stubCode(0, 0, 0, 0) // sized with placeholder addresses, then laid out
	const base, headers = 0x400000, 64 + 56
	addrSockaddr := uint32(base + headers + len(code))
	addrResponse := addrSockaddr + uint32(len(sockaddr))
	addrBuf := addrResponse + uint32(len(response))
	code = stubCode(addrSockaddr, addrResponse, uint32(len(response)), addrBuf)

	fileSize := headers + len(code) + len(sockaddr) + len(response)
	var elf bytes.Buffer
	le := binary.LittleEndian
	// ELF header: 64-bit, little endian, SysV, executable, x86-64.
	elf.Write([]byte{0x7f, 'E', 'L', 'F', 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	binary.Write(&elf, le, struct {
		Type, Machine                                        uint16
		Version                                              uint32
		Entry, Phoff, Shoff                                  uint64
		Flags                                                uint32
		Ehsize, Phentsize, Phnum, Shentsize, Shnum, Shstrndx uint16
	}{2, 62, 1, base + headers, 64, 0, 0, 64, 56, 1, 0, 0, 0})
	// One PT_LOAD segment, readable, writable and executable, mapping the
	// whole file and stubBuffer zeroed bytes after it for the read buffer.
	binary.Write(&elf, le, struct {
		Type, Flags                                uint32
		Offset, Vaddr, Paddr, Filesz, Memsz, Align uint64
	}{1, 7, 0, base, base, uint64(fileSize), uint64(fileSize + stubBuffer), 0x1000})
	elf.Write(code)
	elf.Write(sockaddr)
	elf.Write(response)
	return elf.Bytes(), nil
}

// stubBuffer is the size of the stub's read buffer.
const stubBuffer = 0x10000

// stubCode returns the stub's machine code for the given data addresses.
func stubCode(sockaddr, response, responseLen, buf uint32) []byte {
	var c []byte
	emit := func(b ...byte) { c = append(c, b...) }
	imm := func(op byte, v uint32) { emit(op); c = binary.LittleEndian.AppendUint32(c, v) }
	const (
		movEAX, movEDI, movESI, movEDX = 0xb8, 0xbf, 0xbe, 0xba
	)
	syscall := func() { emit(0x0f, 0x05) }
	movRDIR12 := func() { emit(0x4c, 0x89, 0xe7) }
	movRDIR13 := func() { emit(0x4c, 0x89, 0xef) }

	imm(movEAX, 41) // socket(AF_UNIX, SOCK_STREAM, 0)
	imm(movEDI, 1)
	imm(movESI, 1)
	emit(0x31, 0xd2) // xor edx, edx
	syscall()
	emit(0x49, 0x89, 0xc4) // mov r12, rax
	imm(movEAX, 87)        // unlink(path): a stale socket would fail bind
	imm(movEDI, sockaddr+2)
	syscall()
	imm(movEAX, 49) // bind(r12, sockaddr, 110)
	movRDIR12()
	imm(movESI, sockaddr)
	imm(movEDX, 110)
	syscall()
	emit(0x85, 0xc0) // test eax, eax
	exitJump := len(c)
	emit(0x78, 0)   // js exit (patched below)
	imm(movEAX, 50) // listen(r12, 16)
	movRDIR12()
	imm(movESI, 16)
	syscall()

	accept := len(c)
	imm(movEAX, 43) // accept(r12, NULL, NULL)
	movRDIR12()
	emit(0x31, 0xf6) // xor esi, esi
	emit(0x31, 0xd2) // xor edx, edx
	syscall()
	emit(0x85, 0xc0)                    // test eax, eax
	emit(0x78, byte(accept-(len(c)+2))) // js accept
	emit(0x49, 0x89, 0xc5)              // mov r13, rax
	emit(0x31, 0xc0)                    // read(r13, buf, stubBuffer)
	movRDIR13()
	imm(movESI, buf)
	imm(movEDX, stubBuffer)
	syscall()
	imm(movEAX, 1) // write(r13, response, len)
	movRDIR13()
	imm(movESI, response)
	imm(movEDX, responseLen)
	syscall()
	imm(movEAX, 48) // shutdown(r13, SHUT_WR)
	movRDIR13()
	imm(movESI, 1)
	syscall()
	drain := len(c)
	emit(0x31, 0xc0) // read(r13, buf, stubBuffer) until it returns <= 0
	movRDIR13()
	imm(movESI, buf)
	imm(movEDX, stubBuffer)
	syscall()
	emit(0x48, 0x85, 0xc0)             // test rax, rax
	emit(0x7f, byte(drain-(len(c)+2))) // jg drain
	imm(movEAX, 3)                     // close(r13)
	movRDIR13()
	syscall()
	emit(0xeb, byte(accept-(len(c)+2))) // jmp accept

	c[exitJump+1] = byte(len(c) - (exitJump + 2))
	imm(movEAX, 60) // exit(1)
	imm(movEDI, 1)
	syscall()
	return c
}
