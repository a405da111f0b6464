// Shared by the row-scan kernels (scatter_add_rows, scatter_rows; uniforms blocks, d): invocation i of a
// grid over n rows × blocks owns row r = i mod n and its columns [j0, j1) of block i / n, CB columns per
// block. Neighbouring invocations own neighbouring rows, so a scan of the index list loads the same
// entry in every lane.

override CB: u32 = 16u;

struct RowBlock { r: u32, j0: u32, j1: u32 }

fn row_block(i: u32, n: u32) -> RowBlock {
  let b = i / n;
  let j0 = b * CB;
  return RowBlock(i - b * n, j0, min(p.d, j0 + CB));
}
