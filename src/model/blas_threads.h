// OpenBLAS's thread pool, reached through its C API where the BLAS LibTorch
// loaded is OpenBLAS (Debian's LibTorch); with any other BLAS (MKL in pip's
// LibTorch) nothing changes.
//
// Why: a GEMM of attention's shape (128 query rows, a head dimension of 64)
// splits poorly over OpenBLAS's threads: on 2 cores two such products at
// once, one per core and single-threaded each, run about twice as fast as the
// same products one after another on both cores. Code that parallelises over
// heads itself holds this guard around its parallel loop.
#pragma once

namespace ragforge::model {

class SingleThreadedBlas {
 public:
  SingleThreadedBlas();   // OpenBLAS to one thread (when it is OpenBLAS)
  ~SingleThreadedBlas();  // back to the count it had
  SingleThreadedBlas(const SingleThreadedBlas&) = delete;
  SingleThreadedBlas& operator=(const SingleThreadedBlas&) = delete;

 private:
  int previous_ = 0;  // 0: nothing to restore
};

}  // namespace ragforge::model
