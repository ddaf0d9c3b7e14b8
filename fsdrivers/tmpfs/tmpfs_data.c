/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tmpfs_data.c -- tmpfs regular file data: read, write, truncate,
 * fallocate, SEEK_DATA/SEEK_HOLE.
 *
 * A regular file's data is a sparse array of 4 KiB pages indexed by page
 * number (tmpfs_radix.c).  An absent page is a hole and reads as zeros;
 * a write allocates the pages it touches (even to write zeros).  Every
 * byte of an allocated page past EOF is zero (truncate zeroes the tail of
 * the last page; writes past EOF move EOF), so growing a file never
 * exposes old data.  Pages are charged to the mount's size= limit.
 *
 * Locking: the node's vnode lock; read and seek run under a shared lock
 * and do not modify anything but atime (tn_timelock).
 *
 * Exports tmpfs_{read,write,truncate,fallocate,seek,data_free}.
 */
#include "kern/kern.h"
#include "kern/lock.h"
#include "kern/mount.h"
#include "kern/uio.h"
#include "kern/vnode.h"

#include "tmpfs_node.h"

static void
tmpfs_page_free(struct tmpfs_mount *tm, void *page, void *arg __unused)
{
	tmpfs_mem_free(tm, page, TMPFS_PAGE_SIZE);
}

/* The page at IDX, allocated (zeroed) if absent.  ENOSPC, ENOMEM. */
static int
tmpfs_page_get(struct tmpfs_mount *tm, struct tmpfs_node *tn, uint64_t idx,
    char **pagep)
{
	void *page;
	int error;

	page = tmpfs_radix_lookup(&tn->tn_u.tn_reg.tr_pages, idx);
	if (page == NULL) {
		if ((error = tmpfs_mem_alloc(tm, TMPFS_PAGE_SIZE, true,
		    &page)) != 0)
			return error;
		if ((error = tmpfs_radix_insert(tm, &tn->tn_u.tn_reg.tr_pages,
		    idx, page)) != 0) {
			tmpfs_page_free(tm, page, NULL);
			return error;
		}
		tn->tn_u.tn_reg.tr_npages++;
	}
	*pagep = page;
	return 0;
}

/* Free the pages with index in [FIRST, LAST). */
static void
tmpfs_pages_free(struct tmpfs_mount *tm, struct tmpfs_node *tn,
    uint64_t first, uint64_t last)
{
	struct tmpfs_radix *rt = &tn->tn_u.tn_reg.tr_pages;
	uint64_t idx;
	void *page;

	while (first < last &&
	    (page = tmpfs_radix_next(rt, first, &idx)) != NULL && idx < last) {
		(void)tmpfs_radix_remove(tm, rt, idx);
		tmpfs_page_free(tm, page, NULL);
		KASSERT(tn->tn_u.tn_reg.tr_npages > 0);
		tn->tn_u.tn_reg.tr_npages--;
		first = idx + 1;
	}
}

/* Zero bytes [OFF, END) that lie within one page, if it is allocated. */
static void
tmpfs_page_zero(struct tmpfs_node *tn, uint64_t off, uint64_t end)
{
	char *page;

	KASSERT(off < end && (off >> TMPFS_PAGE_SHIFT) ==
	    ((end - 1) >> TMPFS_PAGE_SHIFT));
	page = tmpfs_radix_lookup(&tn->tn_u.tn_reg.tr_pages,
	    off >> TMPFS_PAGE_SHIFT);
	if (page != NULL)
		memset(page + (off & TMPFS_PAGE_MASK), 0, end - off);
}

void
tmpfs_data_free(struct tmpfs_mount *tm, struct tmpfs_node *tn)
{
	KASSERT(tn->tn_type == VREG);
	tmpfs_radix_destroy(tm, &tn->tn_u.tn_reg.tr_pages, tmpfs_page_free,
	    NULL);
	tn->tn_u.tn_reg.tr_npages = 0;
	tn->tn_size = 0;
}

static int
tmpfs_check_reg(const struct tmpfs_node *tn)
{
	if (tn->tn_type == VREG)
		return 0;
	return tn->tn_type == VDIR ? EISDIR : EINVAL;
}

int
tmpfs_read(struct vnode *vp, struct uio *uio, int ioflag __unused)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	uint64_t off, size = tn->tn_size;
	size_t n;
	char *page;
	int error;

	if ((error = tmpfs_check_reg(tn)) != 0)
		return error;
	if (uio->uio_resid == 0)
		return 0;
	while (uio->uio_resid > 0 && (off = uio->uio_offset) < size) {
		n = TMPFS_PAGE_SIZE - (off & TMPFS_PAGE_MASK);
		n = MIN(n, uio->uio_resid);
		n = MIN(n, size - off);
		page = tmpfs_radix_lookup(&tn->tn_u.tn_reg.tr_pages,
		    off >> TMPFS_PAGE_SHIFT);
		if (page != NULL)
			uiomove(page + (off & TMPFS_PAGE_MASK), n, uio);
		else
			uiozero(n, uio);
	}
	tmpfs_update_atime(vp->v_mount, tn);
	return 0;
}

/*
 * => EFBIG if the write starts at or past the maximum file size; a write
 *    that crosses it is cut short.  (Clearing setuid/setgid is the
 *    kernel's, vn_write.)  ENOSPC/ENOMEM with nothing written;
 *    after a partial write, 0 and uio_resid says what was not written.
 */
int
tmpfs_write(struct vnode *vp, struct uio *uio, int ioflag)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	uint64_t off, maxsize = vp->v_mount->mnt_maxfilesize;
	size_t n, todo, done;
	char *page;
	int error = 0;

	if ((error = tmpfs_check_reg(tn)) != 0)
		return error;
	if (ioflag & IO_APPEND)
		uio->uio_offset = tn->tn_size;
	if (uio->uio_resid == 0)
		return 0;
	if (uio->uio_offset >= maxsize)
		return EFBIG;
	todo = (size_t)MIN((uint64_t)uio->uio_resid,
	    maxsize - uio->uio_offset);
	for (done = 0; done < todo; done += n) {
		off = uio->uio_offset;
		n = TMPFS_PAGE_SIZE - (off & TMPFS_PAGE_MASK);
		n = MIN(n, todo - done);
		error = tmpfs_page_get(tm, tn, off >> TMPFS_PAGE_SHIFT, &page);
		if (error != 0)
			break;
		uiomove(page + (off & TMPFS_PAGE_MASK), n, uio);
	}
	if (done == 0)
		return error;
	if (uio->uio_offset > tn->tn_size)
		tn->tn_size = uio->uio_offset;
	tmpfs_update(tn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	vn_datachanged(vp);
	return 0;
}

/*
 * Set the size.  Shrinking (or keeping the size) frees every page past
 * the new EOF, fallocate'd ones included, and zeroes the tail of the last
 * page; growing makes a hole.  Times are the caller's.  => EFBIG, EISDIR.
 */
int
tmpfs_truncate(struct vnode *vp, uint64_t size)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	uint64_t end;
	int error;

	if ((error = tmpfs_check_reg(tn)) != 0)
		return error;
	if (size > vp->v_mount->mnt_maxfilesize)
		return EFBIG;
	if (size <= tn->tn_size) {
		if (size & TMPFS_PAGE_MASK) {
			end = (size | TMPFS_PAGE_MASK) + 1;
			tmpfs_page_zero(tn, size, end);
		}
		tmpfs_pages_free(tm, tn, howmany(size, TMPFS_PAGE_SIZE),
		    UINT64_MAX);
	}
	tn->tn_size = size;
	vn_datachanged(vp);
	return 0;
}

/* Punch [OFF, END): free the whole pages, zero the partial ones. */
static void
tmpfs_punch(struct tmpfs_mount *tm, struct tmpfs_node *tn, uint64_t off,
    uint64_t end)
{
	uint64_t first = howmany(off, TMPFS_PAGE_SIZE);
	uint64_t last = end >> TMPFS_PAGE_SHIFT;

	if ((off >> TMPFS_PAGE_SHIFT) == ((end - 1) >> TMPFS_PAGE_SHIFT) &&
	    ((off & TMPFS_PAGE_MASK) != 0 || (end & TMPFS_PAGE_MASK) != 0)) {
		tmpfs_page_zero(tn, off, end);	/* within one page */
		return;
	}
	if (off & TMPFS_PAGE_MASK)
		tmpfs_page_zero(tn, off, first << TMPFS_PAGE_SHIFT);
	if (end & TMPFS_PAGE_MASK)
		tmpfs_page_zero(tn, last << TMPFS_PAGE_SHIFT, end);
	tmpfs_pages_free(tm, tn, first, last);
}

/*
 * Allocate the pages of [OFF, END).  Pages allocated before a failure
 * stay (they read as zeros and are freed with the file).
 */
static int
tmpfs_alloc_range(struct tmpfs_mount *tm, struct tmpfs_node *tn,
    uint64_t off, uint64_t end)
{
	uint64_t idx, first = off >> TMPFS_PAGE_SHIFT;
	uint64_t last = howmany(end, TMPFS_PAGE_SIZE);
	uint64_t avail;
	char *page;
	int error;

	/* Cannot fit even counting every page the file has: fail early. */
	mutex_enter(&tm->tm_lock);
	avail = tm->tm_maxbytes - tm->tm_usedbytes;
	mutex_exit(&tm->tm_lock);
	if (last - first > avail / TMPFS_PAGE_SIZE +
	    tn->tn_u.tn_reg.tr_npages)
		return ENOSPC;
	for (idx = first; idx < last; idx++)
		if ((error = tmpfs_page_get(tm, tn, idx, &page)) != 0)
			return error;
	return 0;
}

/*
 * FALLOC_FL_* MODE: 0 (allocate, extend the size), KEEP_SIZE (allocate),
 * PUNCH_HOLE|KEEP_SIZE.  Others: EOPNOTSUPP.  EINVAL for LEN 0, EFBIG
 * past the maximum file size, ENOSPC, ENOMEM.
 */
int
tmpfs_fallocate(struct vnode *vp, int mode, uint64_t off, uint64_t len)
{
	struct tmpfs_mount *tm = VFS_TO_TMPFS(vp->v_mount);
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	uint64_t end, maxsize = vp->v_mount->mnt_maxfilesize;
	int error;

	if (tn->tn_type != VREG)
		return tn->tn_type == VDIR ? EISDIR : ENODEV;
	if (mode != 0 && mode != FALLOC_FL_KEEP_SIZE &&
	    mode != (FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE))
		return EOPNOTSUPP;
	if (len == 0)
		return EINVAL;
	if (off > maxsize || len > maxsize - off)
		return EFBIG;
	end = off + len;

	if (mode & FALLOC_FL_PUNCH_HOLE) {
		tmpfs_punch(tm, tn, off, end);
		tmpfs_update(tn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
		vn_datachanged(vp);
		return 0;
	}
	if ((error = tmpfs_alloc_range(tm, tn, off, end)) != 0)
		return error;
	if (mode == 0 && end > tn->tn_size) {
		tn->tn_size = end;
		tmpfs_update(tn, TMPFS_UPD_MTIME | TMPFS_UPD_CTIME);
	} else {
		tmpfs_update(tn, TMPFS_UPD_CTIME);
	}
	vn_datachanged(vp);
	return 0;
}

/* SEEK_DATA / SEEK_HOLE from the page array.  ENXIO at or past EOF. */
int
tmpfs_seek(struct vnode *vp, uint64_t off, int whence, uint64_t *resultp)
{
	struct tmpfs_node *tn = VP_TO_TMPFS(vp);
	const struct tmpfs_radix *rt = &tn->tn_u.tn_reg.tr_pages;
	uint64_t idx, size = tn->tn_size;

	if (tn->tn_type != VREG)
		return EINVAL;
	if (whence != SEEK_DATA && whence != SEEK_HOLE)
		return EINVAL;
	if (off >= size)
		return ENXIO;
	if (whence == SEEK_DATA) {
		if (tmpfs_radix_next(rt, off >> TMPFS_PAGE_SHIFT, &idx) ==
		    NULL || idx > ((size - 1) >> TMPFS_PAGE_SHIFT))
			return ENXIO;
		*resultp = MAX(off, idx << TMPFS_PAGE_SHIFT);
		return 0;
	}
	idx = tmpfs_radix_next_absent(rt, off >> TMPFS_PAGE_SHIFT);
	if (idx > ((size - 1) >> TMPFS_PAGE_SHIFT))
		*resultp = size;	/* the implicit hole at EOF */
	else
		*resultp = MAX(off, idx << TMPFS_PAGE_SHIFT);
	return 0;
}
