// Shared by the row-scan kernels (scatter_add_rows, scatter_rows; uniforms rows, blocks, d): invocation i
// owns row r = i mod rows and its columns [j0, j1) of block i / rows, CB columns per block. Neighbouring
// invocations own neighbouring rows, so a scan of the index list loads the same entry in every lane.

override CB: u32 = 16u;

struct RowBlock { r: u32, j0: u32, j1: u32 }

fn row_block(i: u32) -> RowBlock {
  let b = i / p.rows;
  let j0 = b * CB;
  return RowBlock(i - b * p.rows, j0, min(p.d, j0 + CB));
}
