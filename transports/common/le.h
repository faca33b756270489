/* Little-endian integers at any (unaligned) address, whatever the host's byte
 * order: the codec of every wire format here (the frame header, the QCOP
 * packet header). Written out byte by byte: portable, and GCC merges each into
 * one move, so encoding a header stays cheap inside timed loops. */
#ifndef IPCB_LE_H
#define IPCB_LE_H

#include <stdint.h>

static inline void ipcb_le_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void ipcb_le_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static inline void ipcb_le_put64(uint8_t *p, uint64_t v)
{
    ipcb_le_put32(p, (uint32_t)v);
    ipcb_le_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint16_t ipcb_le_get16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static inline uint32_t ipcb_le_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t ipcb_le_get64(const uint8_t *p)
{
    return (uint64_t)ipcb_le_get32(p) | (uint64_t)ipcb_le_get32(p + 4) << 32;
}

#endif
