#!/usr/bin/python3
"""Send a file with python3-xmodem (Debian's package) over a serial device.

    pyxmodem_send.py DEVICE FILE [xmodem|xmodem1k]

Used by test_foat_pty.c to play a host that updates a SARA-R5 with the
`xmodem` module.  The device is already at the right speed (the test set its
termios); this script only puts it in raw mode.  Exit status 0 when the
transfer completed.
"""
import os
import select
import sys
import termios
import tty

import xmodem


def main():
    dev, path = sys.argv[1], sys.argv[2]
    mode = sys.argv[3] if len(sys.argv) > 3 else "xmodem1k"
    fd = os.open(dev, os.O_RDWR | os.O_NOCTTY)
    attrs = termios.tcgetattr(fd)
    speed = attrs[4], attrs[5]
    tty.setraw(fd)
    attrs = termios.tcgetattr(fd)
    attrs[4], attrs[5] = speed
    termios.tcsetattr(fd, termios.TCSANOW, attrs)

    def getc(size, timeout=1):
        data = b""
        while len(data) < size:
            if not select.select([fd], [], [], timeout)[0]:
                return None
            data += os.read(fd, size - len(data))
        return data

    def putc(data, timeout=1):
        os.write(fd, data)
        return len(data)

    modem = xmodem.XMODEM(getc, putc, mode=mode)
    with open(path, "rb") as stream:
        ok = modem.send(stream, retry=16, timeout=10, quiet=True)
    os.close(fd)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
