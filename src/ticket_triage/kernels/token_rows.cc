// TokenDense's product (training and inference), x @ kernel for a sparse x, at a cost that follows its entries.
//
// PresentColumns: the distinct columns of a batch's entries, in first-seen order, and each
//   entry's position among them (tf.unique on the columns, with an array indexed by column
//   instead of a hash table).
// TokenRowsSum: out[ticket] = sum of value * rows[position] over the ticket's entries, where
//   `rows` holds the kernel rows of the present columns: the product x @ kernel, one multiply-add
//   of a row per entry. As a matrix product of the batch's (tickets x present columns) matrix,
//   95% zeros at 20,000 columns, it cost about 20 times the arithmetic.
// TokenRowsSumGrad: its gradient for `rows`: rows_grad[position] += value * grad[ticket].
//
// Built by `make setup` (scripts/build-kernels.sh) into the library that `ticket_triage.kernels`
// loads; TokenDense falls back to TensorFlow ops where it is not built.

#define EIGEN_USE_THREADS

#include <cstring>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "vector_clones.h"

namespace ticket_triage {
namespace {

using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::TensorShape;
using ::tensorflow::errors::InvalidArgument;
namespace shape_inference = ::tensorflow::shape_inference;

REGISTER_OP("PresentColumns")
    .Input("indices: int64")
    .Input("dense_shape: int64")
    .Output("columns: int64")
    .Output("position: int32")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Vector(c->UnknownDim()));
      c->set_output(1, c->Vector(c->Dim(c->input(0), 0)));
      return absl::OkStatus();
    });

REGISTER_OP("TokenRowsSum")
    .Input("rows: float")
    .Input("indices: int64")
    .Input("position: int32")
    .Input("values: float")
    .Input("dense_shape: int64")
    .Output("sums: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Matrix(c->UnknownDim(), c->Dim(c->input(0), 1)));
      return absl::OkStatus();
    });

REGISTER_OP("TokenRowsSumGrad")
    .Input("grad: float")
    .Input("indices: int64")
    .Input("position: int32")
    .Input("values: float")
    .Input("num_rows: int64")
    .Output("rows_grad: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->Matrix(c->UnknownDim(), c->Dim(c->input(0), 1)));
      return absl::OkStatus();
    });

// out[target[i]] += value[i] * in[source[i]] for each entry, rows of `width` floats; the
// row numbers come from the entries' positions (int32) or from their tickets (int64).
template <typename Source, typename Target>
TICKET_TRIAGE_VECTOR_CLONES void AddScaledRows(const float* in, const Source* source, int64_t source_stride,
                   const Target* target, int64_t target_stride, const float* value, int64_t n,
                   int64_t width, float* out) {
  for (int64_t i = 0; i < n; ++i) {
    const float* from = in + source[i * source_stride] * width;
    float* to = out + target[i * target_stride] * width;
    const float scale = value[i];
    for (int64_t j = 0; j < width; ++j) to[j] += scale * from[j];
  }
}

// The entries of inputs 1-3 (indices, position, values) agree in number, and each names a
// ticket below `tickets` and a row below `rows`: the loops below then stay in their buffers.
absl::Status CheckEntries(OpKernelContext* context, int64_t tickets, int64_t rows) {
  const Tensor& indices = context->input(1);
  const Tensor& position = context->input(2);
  const int64_t n = position.NumElements();
  if (indices.dims() != 2 || indices.dim_size(0) != n || indices.dim_size(1) != 2 ||
      context->input(3).NumElements() != n) {
    return InvalidArgument("TokenRows: ", n, " positions but indices of shape ",
                           indices.shape().DebugString(), " and ",
                           context->input(3).NumElements(), " values");
  }
  const int64_t* entry = indices.flat<int64_t>().data();
  const int32_t* row = position.flat<int32_t>().data();
  for (int64_t i = 0; i < n; ++i) {
    if (entry[2 * i] < 0 || entry[2 * i] >= tickets || row[i] < 0 || row[i] >= rows) {
      return InvalidArgument("TokenRows: entry ", i, " (ticket ", entry[2 * i], ", row ", row[i],
                             ") is outside ", tickets, " tickets and ", rows, " rows");
    }
  }
  return absl::OkStatus();
}

class PresentColumnsOp : public OpKernel {
 public:
  explicit PresentColumnsOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& indices = context->input(0);
    const auto shape = context->input(1).flat<int64_t>();
    OP_REQUIRES(context, indices.dims() == 2 && indices.dim_size(1) == 2 && shape.size() == 2,
                InvalidArgument("PresentColumns: the indices of a 2-D sparse tensor"));
    const int64_t n = indices.dim_size(0), tickets = shape(0), width = shape(1);
    const int64_t* entry = indices.flat<int64_t>().data();
    for (int64_t i = 0; i < n; ++i) {
      OP_REQUIRES(context, entry[2 * i] >= 0 && entry[2 * i] < tickets &&
                               entry[2 * i + 1] >= 0 && entry[2 * i + 1] < width,
                  InvalidArgument("PresentColumns: entry ", i, " (", entry[2 * i], ", ",
                                  entry[2 * i + 1], ") is outside the shape [", tickets, ", ",
                                  width, "]"));
    }
    Tensor* position_out = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(1, TensorShape({n}), &position_out));
    int32_t* position = position_out->flat<int32_t>().data();
    thread_local std::vector<int32_t> slot;  // column -> its position; -1 between calls
    if (static_cast<int64_t>(slot.size()) < width) slot.resize(width, -1);
    std::vector<int64_t> columns;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t column = entry[2 * i + 1];
      if (slot[column] < 0) {
        slot[column] = static_cast<int32_t>(columns.size());
        columns.push_back(column);
      }
      position[i] = slot[column];
    }
    for (const int64_t column : columns) slot[column] = -1;
    Tensor* columns_out = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(
                                0, TensorShape({static_cast<int64_t>(columns.size())}),
                                &columns_out));
    std::copy(columns.begin(), columns.end(), columns_out->flat<int64_t>().data());
  }
};

class TokenRowsSumOp : public OpKernel {
 public:
  explicit TokenRowsSumOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& rows = context->input(0);
    const Tensor& position = context->input(2);
    const int64_t tickets = context->input(4).flat<int64_t>()(0);
    OP_REQUIRES(context, rows.dims() == 2, InvalidArgument("TokenRowsSum: rows must be 2-D"));
    const int64_t units = rows.dim_size(1);
    OP_REQUIRES_OK(context, CheckEntries(context, tickets, rows.dim_size(0)));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({tickets, units}), &out));
    float* sums = out->flat<float>().data();
    std::memset(sums, 0, tickets * units * sizeof(float));
    AddScaledRows(rows.flat<float>().data(), position.flat<int32_t>().data(), 1,
                  context->input(1).flat<int64_t>().data(), 2,
                  context->input(3).flat<float>().data(), position.NumElements(), units, sums);
  }
};

class TokenRowsSumGradOp : public OpKernel {
 public:
  explicit TokenRowsSumGradOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    const Tensor& grad = context->input(0);
    const Tensor& position = context->input(2);
    const int64_t num_rows = context->input(4).scalar<int64_t>()();
    OP_REQUIRES(context, grad.dims() == 2, InvalidArgument("TokenRowsSumGrad: grad must be 2-D"));
    const int64_t units = grad.dim_size(1);
    OP_REQUIRES_OK(context, CheckEntries(context, grad.dim_size(0), num_rows));
    Tensor* out = nullptr;
    OP_REQUIRES_OK(context, context->allocate_output(0, TensorShape({num_rows, units}), &out));
    float* rows_grad = out->flat<float>().data();
    std::memset(rows_grad, 0, num_rows * units * sizeof(float));
    AddScaledRows(grad.flat<float>().data(), context->input(1).flat<int64_t>().data(), 2,
                  position.flat<int32_t>().data(), 1, context->input(3).flat<float>().data(),
                  position.NumElements(), units, rows_grad);
  }
};

REGISTER_KERNEL_BUILDER(Name("PresentColumns").Device(::tensorflow::DEVICE_CPU),
                        PresentColumnsOp);
REGISTER_KERNEL_BUILDER(Name("TokenRowsSum").Device(::tensorflow::DEVICE_CPU), TokenRowsSumOp);
REGISTER_KERNEL_BUILDER(Name("TokenRowsSumGrad").Device(::tensorflow::DEVICE_CPU),
                        TokenRowsSumGradOp);

}  // namespace
}  // namespace ticket_triage
