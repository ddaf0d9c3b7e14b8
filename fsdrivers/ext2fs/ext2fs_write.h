/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * ext2fs_write.h -- the contract between the files of the ext2/3/4 write
 * path: transactions (ext2fs_trans.c), allocation (ext2fs_alloc.c), inode
 * write-back and creation (ext2fs_inode.c), block-map changes
 * (ext2fs_extent_write.c, ext2fs_ind_write.c, ext2fs_balloc.c), directory
 * changes (ext2fs_dir_write.c, ext2fs_htree_write.c), attribute writes
 * (ext2fs_xattr_write.c), the orphan list (ext2fs_orphan.c), and the
 * vnode operations that use them (ext2fs_vnops*.c, ext2fs_rename.c).
 *
 * Locking, outermost first:
 *   1. the vnode locks (the kernel takes them for the VOP, see vnode.h);
 *      a node's mutable fields are written only with its vnode lock held
 *      exclusive (or by the thread that created it, before it is visible);
 *   2. a transaction handle (ext2fs_trans_begin .. ext2fs_trans_end):
 *      every change to metadata happens inside one; handles nest (the
 *      same thread may begin again: it is counted), and a commit waits
 *      until no handle is open;
 *   3. um_lock (a mutex): the group descriptors in um_gdt, the free
 *      counts in um_sb, the allocation rotors, s_last_orphan;
 *   4. buffers (B_BUSY), a bitmap or inode table block at a time; never
 *      wait for a vnode lock while holding a busy buffer.
 *   Nobody calls ext2fs_trans_commit while holding a handle, a vnode
 *   lock of a node with changes in the running transaction, um_lock or a
 *   busy buffer -- except ext2fs_trans_begin itself, which commits a full
 *   transaction before it takes the handle.
 *
 * Metadata writes: a changed metadata buffer (superblock, group
 * descriptor block, bitmap, inode table block, extent/indirect block,
 * directory block, xattr block) is never released with bdwrite; it goes
 * to ext2fs_trans_dirty(), which puts it in the running transaction (on
 * a journaled filesystem the buffer is pinned until its transaction has
 * committed) or, without a journal, simply bdwrite()s it.  File data
 * buffers are released with bdwrite/bawrite/bwrite as usual; ordered mode
 * is kept by the commit, which writes every dirty data buffer of the
 * device before the commit record.
 *
 * Freed blocks are not reused before the transaction that freed them has
 * committed (ext2fs_trans_defer_free / ext2fs_trans_may_reuse): otherwise
 * a crash could leave a block that the old, still valid tree points to
 * holding some other file's new data, or replay old metadata over it.
 *
 * Errors: 0 or a positive errno; ENOSPC when no block or inode is free;
 * EUCLEAN (logged through ext2fs_corrupt) for corrupt metadata met on
 * the way.  A function that fails leaves the filesystem consistent: what
 * it allocated is freed again, what it changed in a buffer is either
 * undone or complete.
 */
#ifndef EXT2FS_WRITE_H
#define EXT2FS_WRITE_H

#include "ext2fs_node.h"

/* ================= ext2fs_trans.c: jbd2 transactions =================== */

/*
 * Set up (rw mount) and tear down the journal writer.  ext2fs_trans_init
 * is called by ext2fs_mount after recovery for every read-write mount
 * (with or without a journal); it sets needs_recovery on a journaled
 * filesystem and starts the commit thread (a commit every 5 seconds when
 * the running transaction is not empty).  ext2fs_trans_fini commits
 * what is left, checkpoints, empties the journal, clears needs_recovery
 * and stops the thread (ext2fs_unmount, after every vnode is gone).
 */
int	ext2fs_trans_init(struct ext2fs_mount *ump);
int	ext2fs_trans_fini(struct ext2fs_mount *ump);

/*
 * Open a handle for a change that dirties at most about NBLOCKS metadata
 * blocks (an estimate; exceeding it is allowed, it only sizes when to
 * commit).  Commits the running transaction first if it is too full.
 * Nests within one thread.  Never fails on a filesystem without a
 * journal; EIO after a failed commit (the filesystem is then read-only:
 * every later begin fails with EROFS).
 */
int	ext2fs_trans_begin(struct ext2fs_mount *ump, unsigned nblocks);
void	ext2fs_trans_end(struct ext2fs_mount *ump);

/*
 * BP (busy, a metadata block of the filesystem, um_bsize bytes, changed
 * by the caller inside a handle) joins the running transaction and is
 * released.  The caller's reference to BP is gone on return.
 */
void	ext2fs_trans_dirty(struct ext2fs_mount *ump, struct buf *bp);
/*
 * A metadata block that was freed: drop any pending change of it from
 * the running transaction (its buffer is invalidated if cached).  Called
 * by the block freeing code for every freed block that held metadata.
 */
void	ext2fs_trans_forget(struct ext2fs_mount *ump, uint64_t blk);

/*
 * Commit the running transaction: write all dirty file data of the
 * device, then the journal records and the commit block, flush, then
 * write the metadata in place (checkpoint), flush, and mark the journal
 * empty.  Without a journal: bsync the device.  Returns once durable.
 * Does nothing (but still flushes if FLUSH) when nothing is pending.
 */
int	ext2fs_trans_commit(struct ext2fs_mount *ump);

/* Blocks [BLK, BLK+COUNT) were freed in the running transaction. */
void	ext2fs_trans_defer_free(struct ext2fs_mount *ump, uint64_t blk,
	    uint64_t count);
/*
 * May block BLK be allocated now?  If not, *NEXTP is the first block
 * after BLK that might be (the end of the deferred range holding BLK).
 * Called with um_lock held; takes no other lock.
 */
bool	ext2fs_trans_may_reuse(struct ext2fs_mount *ump, uint64_t blk,
	    uint64_t *nextp);

/* ============ ext2fs_vfsops.c: superblock and group descriptors ========= */

/*
 * Encode group G's descriptor from um_gdt (after the caller changed it
 * under um_lock), recompute its checksum, and put the descriptor block
 * in the running transaction.  Caller holds a handle, not um_lock.
 */
int	ext2fs_gd_dirty(struct ext2fs_mount *ump, uint32_t g);
/* Mutable view of group G's descriptor; caller holds um_lock. */
struct ext2_gd *ext2fs_gd_mut(struct ext2fs_mount *ump, uint32_t g);
/* 64-bit aware accessors of a descriptor's fields. */
uint64_t ext2fs_gd_block_bitmap(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
uint64_t ext2fs_gd_inode_bitmap(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
uint64_t ext2fs_gd_inode_table(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
uint32_t ext2fs_gd_free_blocks(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
void	ext2fs_gd_set_free_blocks(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, uint32_t n);
uint32_t ext2fs_gd_free_inodes(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
void	ext2fs_gd_set_free_inodes(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, uint32_t n);
uint32_t ext2fs_gd_used_dirs(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
void	ext2fs_gd_set_used_dirs(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, uint32_t n);
uint32_t ext2fs_gd_itable_unused(const struct ext2fs_mount *ump,
	    const struct ext2_gd *gd);
void	ext2fs_gd_set_itable_unused(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, uint32_t n);
/* Store bitmap checksums (metadata_csum) of the bitmap block BITS. */
void	ext2fs_gd_set_block_bitmap_csum(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, const uint8_t *bits);
void	ext2fs_gd_set_inode_bitmap_csum(const struct ext2fs_mount *ump,
	    struct ext2_gd *gd, const uint8_t *bits);
/*
 * The superblock (um_sb, changed by the caller under um_lock: free
 * counts, s_last_orphan, feature flags, state) goes into the running
 * transaction with its checksum recomputed.  Caller holds a handle.
 */
int	ext2fs_sb_dirty(struct ext2fs_mount *ump);
/* The superblock's 64-bit aware block counts; caller holds um_lock. */
uint64_t ext2fs_sb_free_blocks(const struct ext2fs_mount *ump);
void	ext2fs_sb_set_free_blocks(struct ext2fs_mount *ump, uint64_t n);
uint64_t ext2fs_sb_r_blocks(const struct ext2fs_mount *ump);
/* First block of group G, and whether G holds a superblock backup. */
uint64_t ext2fs_group_first_block(const struct ext2fs_mount *ump, uint32_t g);
bool	ext2fs_bg_has_super(const struct ext2fs_mount *ump, uint32_t g);

/* ================= ext2fs_alloc.c: blocks and inodes ==================== */

/*
 * Allocate up to WANT (>= 1) contiguous blocks, as close after GOAL as
 * possible (GOAL 0: anywhere), never a block deferred by
 * ext2fs_trans_may_reuse.  *BLKP and *GOTP are the run (1 <= *GOTP <= WANT).
 * Updates the bitmap, the group descriptor and the superblock count in
 * the running transaction.  ENOSPC when nothing is free (the reserved
 * blocks s_r_blocks_count are kept for uid/gid 0 and s_def_resuid/gid:
 * RESERVED says the caller may use them).  Handles BLOCK_UNINIT groups,
 * flex_bg and meta_bg layouts and 64bit.
 */
int	ext2fs_blkalloc(struct ext2fs_mount *ump, uint64_t goal, uint64_t want,
	    bool reserved, uint64_t *blkp, uint64_t *gotp);
/*
 * Free [BLK, BLK+COUNT) (all allocated, checked: EUCLEAN if a bit is
 * already clear or the range touches group metadata).  Defers reuse
 * (ext2fs_trans_defer_free); METADATA says the blocks held metadata, so
 * their buffers are forgotten (ext2fs_trans_forget), else any cached
 * data buffers are invalidated.
 */
int	ext2fs_blkfree(struct ext2fs_mount *ump, uint64_t blk, uint64_t count,
	    bool metadata);
/* The allocation goal for logical block LBLK of NP (near its data). */
uint64_t ext2fs_blkpref(struct ext2fs_node *np, uint64_t lblk);
/*
 * Allocate an inode for a new object of MODE in directory DNP
 * (directories spread over groups, files near their parent).  Handles
 * INODE_UNINIT groups and bg_itable_unused.  ENOSPC when none is free.
 */
int	ext2fs_ialloc(struct ext2fs_node *dnp, uint32_t mode, ino64_t *inop);
/* Free inode INO (ISDIR: also the used_dirs count). */
int	ext2fs_ifree(struct ext2fs_mount *ump, ino64_t ino, bool isdir);
/* Free blocks (superblock count less reserved when !RESERVED). */
uint64_t ext2fs_free_blocks(struct ext2fs_mount *ump, bool reserved);

/* ================= ext2fs_inode.c: write-back and creation ============== */

/*
 * Encode NP's decoded fields (mode, owner, size, links, times, flags,
 * i_blocks from n_bytes, file_acl, generation, rdev) into n_raw, compute
 * the inode checksum, and put the inode table block in the running
 * transaction.  The i_block area of n_raw (extent root, block map,
 * inline data, fast symlink) is written by its owners in place.  Caller
 * holds NP's vnode lock exclusive (or NP is new) and a handle.
 */
int	ext2fs_node_update(struct ext2fs_node *np);
/*
 * A new in-core node for freshly allocated inode INO: zeroed raw inode,
 * MODE, UID, GID, all times now, a random generation, i_extra_isize from
 * s_want_extra_isize, EXTENTS_FL for regular files, directories and slow
 * symlinks on an extents filesystem, links 0 (the caller sets n_nlink),
 * the checksum seed.  Not written yet: call ext2fs_node_update.
 */
int	ext2fs_node_new(struct ext2fs_mount *ump, ino64_t ino, uint32_t mode,
	    uint32_t uid, uint32_t gid, struct ext2fs_node **npp);
/* Set the times VA_ATIME/VA_MTIME/VA_CTIME (ns precision with extra). */
void	ext2fs_node_settime(struct ext2fs_node *np, unsigned which,
	    const struct vfs_timespec *ts);
#define EXT2FS_ATIME	0x1
#define EXT2FS_MTIME	0x2
#define EXT2FS_CTIME	0x4
/* Now, as the kernel clock gives it. */
void	ext2fs_now(struct vfs_timespec *ts);
/* added by ext2-alloc: inode loading for orphan recovery, inode location */
/* ext2fs_node_load, but UNLINKED lets an inode without links load. */
int	ext2fs_node_load_any(struct ext2fs_mount *ump, ino64_t ino,
	    bool unlinked, struct ext2fs_node **npp);
/*
 * The inode table block *BLKP holding INO and the inode's byte offset
 * *OFFP in it (no lock: a table never moves).  Lock order for inode
 * table buffers: um_lock may be held while taking one (the orphan list
 * does), so never take um_lock while holding an inode table buffer busy.
 */
int	ext2fs_inode_loc(struct ext2fs_mount *ump, ino64_t ino,
	    uint64_t *blkp, size_t *offp);

/* ====== ext2fs_balloc.c, ext2fs_extent_write.c, ext2fs_ind_write.c ====== */

/*
 * Make logical blocks [LBLK, LBLK+COUNT) of NP writable: map what is a
 * hole (allocating near ext2fs_blkpref), mark unwritten extents written
 * when WRITING (the caller is about to fill the whole of each block it
 * did not read).  *PBLKP and *RUNP: the physical run backing LBLK (1 <= *RUNP
 * <= COUNT); *NEWP is true when that run was freshly allocated (or was
 * unwritten), so the caller must zero what it does not write.  Updates
 * n_bytes and, through the extent/indirect code, the tree.  Caller holds
 * NP's vnode lock exclusive and a handle; calls ext2fs_node_update.
 */
int	ext2fs_balloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
	    uint64_t *pblkp, uint64_t *runp, bool *newp);
/*
 * Release every block of NP from logical block LBLK on (truncate to
 * LBLK blocks), shrinking the extent tree (depth too) or the indirect
 * blocks; also the blocks of [LBLK, END) only when END is not
 * UINT64_MAX (punch a hole, keeping the mapping after END).  Updates
 * n_bytes.  May be called in several handles (it commits progress a
 * chunk at a time: the tree is consistent between chunks).
 */
int	ext2fs_bfree_range(struct ext2fs_node *np, uint64_t lblk, uint64_t end);
/*
 * fallocate: allocate [LBLK, LBLK+COUNT) as unwritten extents (extent
 * files) or zeroed blocks (block-mapped files); existing blocks stay.
 */
int	ext2fs_balloc_unwritten(struct ext2fs_node *np, uint64_t lblk,
	    uint64_t count);
/* Extent-tree and block-map halves, called by ext2fs_balloc.c only. */
int	ext2fs_ext_alloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
	    bool unwritten, uint64_t *pblkp, uint64_t *runp, bool *newp);
int	ext2fs_ext_free(struct ext2fs_node *np, uint64_t lblk, uint64_t end);
int	ext2fs_ind_alloc(struct ext2fs_node *np, uint64_t lblk, uint64_t count,
	    uint64_t *pblkp, uint64_t *runp, bool *newp);
int	ext2fs_ind_free(struct ext2fs_node *np, uint64_t lblk, uint64_t end);
/* Initialise an empty extent root in NP's i_block (new files). */
void	ext2fs_ext_init_root(struct ext2fs_node *np);
/*
 * added by ext2-map: shared by ext2fs_balloc.c, ext2fs_extent_write.c,
 * ext2fs_ind_write.c and ext2fs_bmap.c.
 */
/*
 * Validate extent node NODE of NP: the 60-byte root (DEPTH < 0) or tree
 * block BLKNO of LEN bytes expected at DEPTH.  EUCLEAN (logged).
 */
int	ext2fs_ext_check_node(struct ext2fs_node *np, const uint8_t *node,
	    size_t len, int depth, uint64_t blkno);
/*
 * An upper bound *ENDP <= BEFORE of the end of NP's mapping below logical
 * block BEFORE: no block in [*ENDP, BEFORE) is mapped (0: none below).
 */
int	ext2fs_ext_map_end(struct ext2fs_node *np, uint64_t before,
	    uint64_t *endp);
int	ext2fs_ind_map_end(struct ext2fs_node *np, uint64_t before,
	    uint64_t *endp);
/*
 * May the calling thread allocate the reserved blocks (root, or
 * s_def_resuid / s_def_resgid)?
 */
bool	ext2fs_balloc_reserved(const struct ext2fs_mount *ump);

/* ============ ext2fs_dir_write.c, ext2fs_htree_write.c ================== */

/*
 * Add entry NAME -> INO (file type from MODE) to directory DNP.  EEXIST
 * is not checked (the caller looked the name up under the same lock).
 * Uses free space in existing blocks, else appends a block (linear), or
 * inserts through the htree index (splitting leaves and growing the
 * index), converting inline directories to a block when they fill.
 * Updates DNP's size, times (mtime, ctime) and the node.
 */
int	ext2fs_dir_add(struct ext2fs_node *dnp, const char *name, size_t len,
	    ino64_t ino, uint32_t mode);
/* Remove NAME from DNP (merging its space into the previous entry). */
int	ext2fs_dir_remove(struct ext2fs_node *dnp, const char *name,
	    size_t len);
/* Point existing entry NAME of DNP at INO with MODE's file type. */
int	ext2fs_dir_set(struct ext2fs_node *dnp, const char *name, size_t len,
	    ino64_t ino, uint32_t mode);
/*
 * Fill new directory NP (already allocated, empty) with "." and ".."
 * (PARENT): inline when the filesystem has inline_data, else one block.
 */
int	ext2fs_dir_init(struct ext2fs_node *np, ino64_t parent);
/* Is directory NP empty but for "." and ".."?  (*EMPTYP) */
int	ext2fs_dir_isempty(struct ext2fs_node *np, bool *emptyp);
/* htree halves, called by ext2fs_dir_write.c only. */
int	ext2fs_htree_add(struct ext2fs_node *dnp, const char *name, size_t len,
	    ino64_t ino, uint8_t ftype);
int	ext2fs_htree_find_leaf(struct ext2fs_node *dnp, const char *name,
	    size_t len, uint64_t *lblkp);
/* Compute and store a directory leaf block's tail checksum. */
void	ext2fs_dirent_csum_set(const struct ext2fs_node *np, uint8_t *blk);
/* Compute and store an htree index block's checksum. */
void	ext2fs_dx_csum_set(const struct ext2fs_node *np, uint8_t *blk,
	    uint32_t count_offset);
/*
 * added by ext2-dir: helpers shared by ext2fs_dir.c, ext2fs_htree.c,
 * ext2fs_dir_write.c and ext2fs_htree_write.c (directory vnode locked,
 * exclusive for the writers).
 */
/* A record's name length (the high byte is the type without FILETYPE). */
uint32_t ext2fs_dirent_namelen(const struct ext2fs_mount *ump,
	    const struct ext2_dirent *de);
/* Bytes of records in a block: all of it, less the tail of a csum leaf. */
size_t	ext2fs_dir_area(const struct ext2fs_node *np, bool dx);
/* Inline directory contents, validated (as ext2fs_inline_get). */
int	ext2fs_inline_dir_load(struct ext2fs_node *np, uint8_t **bufp,
	    size_t *lenp);
/* ext2fs_htree_lookup, also giving the leaf block holding NAME. */
int	ext2fs_htree_lookup_blk(struct ext2fs_node *np, const char *name,
	    size_t len, uint32_t *inop, uint64_t *lblkp);
/* Encode a rec_len (64 KiB blocks need the special form). */
void	ext2fs_rec_len_set(const struct ext2fs_mount *ump, e2le16_t *v,
	    uint32_t len);
/* The file type byte of MODE (0 without the filetype feature). */
uint8_t	ext2fs_mode_ftype(const struct ext2fs_mount *ump, uint32_t mode);
/*
 * Store NAME -> INO in the record chain DATA[0, AREA) (validated) if some
 * record has room; false when none has.
 */
bool	ext2fs_dirblk_insert(const struct ext2fs_node *dnp, uint8_t *data,
	    size_t area, const char *name, size_t len, ino64_t ino,
	    uint8_t ftype);
/* Write a leaf block's checksum tail (metadata_csum; else nothing). */
void	ext2fs_dirblk_tail(const struct ext2fs_node *dnp, uint8_t *blk);
/*
 * Append a block to directory DNP (size grows by a block): *BPP is busy
 * with one empty record spanning it (and the tail); the caller fills it
 * and passes it to ext2fs_trans_dirty.  Caller holds a handle.
 */
int	ext2fs_dir_appendblk(struct ext2fs_node *dnp, uint64_t *lblkp,
	    struct buf **bpp);
/*
 * Index one-block linear directory DNP (its block full): entries move to
 * a new leaf, block 0 becomes the root.  EAGAIN: stays linear.
 */
int	ext2fs_htree_index_dir(struct ext2fs_node *dnp);

/* ================= ext2fs_xattr_write.c ================================= */

/*
 * Set (FLAGS: VFS_XATTR_CREATE / VFS_XATTR_REPLACE semantics) or remove
 * an attribute of NP: in the inode's extra space when it fits, else in
 * the external block (shared blocks are copied first: h_refcount).
 * ENOSPC when it fits nowhere (as Linux, even beyond one block), ENODATA for a
 * remove of an absent name.  The raw forms take (INDEX, NAME) as stored.
 */
int	ext2fs_xattr_set(struct ext2fs_node *np, const char *name,
	    const void *val, size_t len, int flags);
int	ext2fs_xattr_remove(struct ext2fs_node *np, const char *name);
int	ext2fs_xattr_set_raw(struct ext2fs_node *np, int index,
	    const char *name, size_t namelen, const void *val, size_t len);
int	ext2fs_xattr_remove_raw(struct ext2fs_node *np, int index,
	    const char *name, size_t namelen);
/* Drop NP's external block (refcount) when the inode is freed. */
int	ext2fs_xattr_free_all(struct ext2fs_node *np);
/*
 * Inline data: store BUF (LEN bytes) as NP's whole inline contents
 * (i_block, then system.data); ENOSPC when it does not fit in the inode
 * (the caller then converts to blocks).  Max bytes that could fit:
 * ext2fs_inline_max().
 */
int	ext2fs_inline_set(struct ext2fs_node *np, const void *buf, size_t len);
size_t	ext2fs_inline_max(struct ext2fs_node *np);
/* Drop NP's inline data (system.data and the flag) before converting. */
int	ext2fs_inline_clear(struct ext2fs_node *np);
/* added by ext2-alloc: the Linux name mapping of ext2fs_xattr.c */
/*
 * Split Linux attribute NAME into the on-disk (*INDEXP, *SUFFIXP) as the
 * read path shows them; false for a namespace ext4 does not store.
 */
bool	ext2fs_xattr_parse_name(const char *name, int *indexp,
	    const char **suffixp);

/* ================= ext2fs_orphan.c ====================================== */

/* Put NP (nlink 0, still open) on the orphan list / take it off. */
int	ext2fs_orphan_add(struct ext2fs_node *np);
int	ext2fs_orphan_del(struct ext2fs_node *np);
/* At a read-write mount: finish every orphan (truncate or free). */
int	ext2fs_orphan_recover(struct ext2fs_mount *ump);
/*
 * Release an unlinked inode: free its blocks, xattr block, the inode
 * itself, and take it off the orphan list.  Used by VOP_INACTIVE and
 * orphan recovery.
 */
int	ext2fs_node_release(struct ext2fs_node *np);

/* added by ext2-alloc: checksum setters (ext2fs_csum.c) */
/*
 * Each stores the checksum its ext2fs_*_csum_ok() predicate (ext2fs_node.h)
 * verifies, and does nothing when the filesystem keeps none.  Call them
 * last, after every other byte of the structure is final.
 *   inode: both halves (the high one when i_extra_isize reaches it);
 *   group descriptor: crc16 (gdt_csum) or crc32c (metadata_csum) of
 *     descriptor GD (um_desc_size bytes) of GROUP;
 *   superblock: s_checksum (the caller checks metadata_csum);
 *   extent tree block: the tail after EH_MAX entries;
 *   xattr block BLKNO: h_checksum.
 * ext2fs_dirent_csum_set (which also writes the 12-byte tail's fixed
 * fields) and ext2fs_dx_csum_set are declared in the directory section.
 * The bitmap checksums return the 32-bit value (crc32c of bpg/8 or ipg/8
 * bytes) for ext2fs_gd_set_*_bitmap_csum to split into lo/hi halves.
 */
void	ext2fs_inode_csum_set(const struct ext2fs_mount *ump, ino64_t ino,
	    uint8_t *raw);
void	ext2fs_gd_csum_set(const struct ext2fs_mount *ump, uint32_t group,
	    uint8_t *gd);
void	ext2fs_sb_csum_set(struct ext2_super *sb);
uint32_t ext2fs_block_bitmap_csum(const struct ext2fs_mount *ump,
	    const uint8_t *bits);
uint32_t ext2fs_inode_bitmap_csum(const struct ext2fs_mount *ump,
	    const uint8_t *bits);
void	ext2fs_extent_csum_set(const struct ext2fs_node *np, uint8_t *blk,
	    uint32_t eh_max);
void	ext2fs_xattr_csum_set(const struct ext2fs_mount *ump, uint64_t blkno,
	    uint8_t *blk);

/* added by ext2-vnops: the vnode operations' files (ext2fs_vnops*.c) */
/*
 * The write half of ext2fs_vnodeops, each with the contract of its slot
 * in struct vnodeops (kern/vnode.h): ext2fs_vnops_ns.c (name space),
 * ext2fs_vnops_write.c (data, attributes, life cycle), ext2fs_rename.c.
 */
int	ext2fs_vop_create(struct vnode *dvp, const char *name, size_t len,
	    const struct vattr *va, struct vnode **vpp);
int	ext2fs_vop_mkdir(struct vnode *dvp, const char *name, size_t len,
	    const struct vattr *va, struct vnode **vpp);
int	ext2fs_vop_symlink(struct vnode *dvp, const char *name, size_t len,
	    const struct vattr *va, const char *target, struct vnode **vpp);
int	ext2fs_vop_link(struct vnode *dvp, struct vnode *vp, const char *name,
	    size_t len);
int	ext2fs_vop_remove(struct vnode *dvp, struct vnode *vp,
	    const char *name, size_t len);
int	ext2fs_vop_rmdir(struct vnode *dvp, struct vnode *vp,
	    const char *name, size_t len);
int	ext2fs_vop_rename(struct vnode *fdvp, struct vnode *fvp,
	    const char *fname, size_t flen, struct vnode *tdvp,
	    struct vnode *tvp, const char *tname, size_t tlen, unsigned flags);
int	ext2fs_vop_write(struct vnode *vp, struct uio *uio, int ioflag);
int	ext2fs_vop_setattr(struct vnode *vp, const struct vattr *va);
int	ext2fs_vop_fallocate(struct vnode *vp, int mode, uint64_t off,
	    uint64_t len);
int	ext2fs_vop_fsync(struct vnode *vp, int flags);
int	ext2fs_vop_setxattr(struct vnode *vp, const char *name,
	    const void *val, size_t len, int flags);
int	ext2fs_vop_removexattr(struct vnode *vp, const char *name);
int	ext2fs_vop_inactive(struct vnode *vp, bool *recyclep);
int	ext2fs_vop_reclaim(struct vnode *vp);
/* ext2fs_subr.c: helpers of the vnode operations. */
/* Set the times WHICH (EXT2FS_*TIME) of NP to now. */
void	ext2fs_touch(struct ext2fs_node *np, unsigned which);
/*
 * A directory's link count gains / loses a subdirectory (dir_nlink: a
 * count past EXT2FS_LINK_MAX becomes 1, and 1 stays 1).  Inc may set the
 * DIR_NLINK feature in the running transaction (caller holds a handle).
 */
#define EXT2FS_LINK_MAX	65000
int	ext2fs_dir_nlink_inc(struct ext2fs_node *dp);
void	ext2fs_dir_nlink_dec(struct ext2fs_node *dp);
/* Is NP a directory / frozen (immutable or append-only)? */
bool	ext2fs_isdir(const struct ext2fs_node *np);
bool	ext2fs_frozen(const struct ext2fs_node *np);

#endif /* EXT2FS_WRITE_H */
