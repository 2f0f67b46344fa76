/* qr.c - the QRCodePNG of CreateVirtualMFADevice: the otpauth:// URI
 * encoded by libqrencode, drawn as an 8-bit greyscale PNG with libpng into
 * memory (the caller base64-encodes it into the reply). The URI holds the
 * seed, so every buffer that saw it is wiped before it is freed. */
#include <setjmp.h>
#include <string.h>

#include <png.h>
#include <qrencode.h>

#include "common/common_int.h"
#include "iam/crypto.h"
#include "iam/totp.h"

#define QR_SCALE 4   /* pixels per module */
#define QR_QUIET 4   /* modules of white border, as the QR standard asks */

typedef struct membuf {
    uint8_t *p;
    size_t n, cap;
    bool failed;
} membuf;

static void mb_write(png_structp png, png_bytep data, png_size_t len)
{
    membuf *m = png_get_io_ptr(png);
    if (m->failed)
        return;
    if (m->n + len > m->cap) {
        size_t ncap = m->cap ? m->cap : 1024;
        while (ncap < m->n + len)
            ncap *= 2;
        uint8_t *np = iam__malloc(ncap);
        if (np == NULL) {
            m->failed = true;
            return;
        }
        if (m->n)
            memcpy(np, m->p, m->n);
        if (m->p != NULL) {
            iam_wipe(m->p, m->cap);
            iam__free(m->p);
        }
        m->p = np;
        m->cap = ncap;
    }
    memcpy(m->p + m->n, data, len);
    m->n += len;
}

static void mb_flush(png_structp png) { (void)png; }

/* Writes the PNG; false on any libpng error (reported by longjmp). The
 * volatile locals survive the longjmp. */
static bool draw(const QRcode *qr, membuf *m)
{
    size_t side = ((size_t)qr->width + 2 * QR_QUIET) * QR_SCALE;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    uint8_t *volatile row = NULL;
    volatile bool ok = false;

    if (png == NULL || info == NULL)
        goto out;
    row = iam__malloc(side);
    if (row == NULL)
        goto out;
    if (setjmp(png_jmpbuf(png)))
        goto out;
    png_set_write_fn(png, m, mb_write, mb_flush);
    png_set_IHDR(png, info, (png_uint_32)side, (png_uint_32)side, 8, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (size_t y = 0; y < side; y++) {
        long my = (long)(y / QR_SCALE) - QR_QUIET;
        for (size_t x = 0; x < side; x++) {
            long mx = (long)(x / QR_SCALE) - QR_QUIET;
            bool dark = my >= 0 && mx >= 0 && my < qr->width && mx < qr->width &&
                        (qr->data[(size_t)my * (size_t)qr->width + (size_t)mx] & 1u);
            row[x] = dark ? 0x00 : 0xFF;
        }
        png_write_row(png, row);
    }
    png_write_end(png, NULL);
    ok = !m->failed;
out:
    if (png != NULL)
        png_destroy_write_struct(&png, info ? &info : NULL);
    iam__free(row);
    return ok;
}

iam_err iam_qr_png(iam_str text, uint8_t **png, size_t *len)
{
    if (text.len == 0 || text.ptr == NULL || png == NULL || len == NULL)
        return IAM_E_INVALID;
    QRcode *qr = QRcode_encodeData((int)text.len, (const unsigned char *)text.ptr, 0, QR_ECLEVEL_M);
    if (qr == NULL)
        return IAM_E_LIMIT; /* too long for any version (or out of memory) */
    membuf m = { 0 };
    bool ok = draw(qr, &m);
    iam_wipe(qr->data, (size_t)qr->width * (size_t)qr->width);
    QRcode_free(qr);
    if (!ok) {
        if (m.p != NULL) {
            iam_wipe(m.p, m.cap);
            iam__free(m.p);
        }
        return IAM_E_NOMEM;
    }
    *png = m.p;
    *len = m.n;
    return IAM_OK;
}

void iam_qr_free(uint8_t *png) { iam__free(png); }
