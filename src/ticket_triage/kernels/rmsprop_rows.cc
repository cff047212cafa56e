// RmspropRows: SparseRMSprop's update of the rows a sparse gradient touches, in one pass.
//
// Written with TensorFlow ops, the update reads and writes each touched row a dozen times (a
// gather, an element-wise op per term, a scatter), and TensorFlow's own fused kernel
// (ResourceSparseApplyRMSProp) evaluates a few Eigen expressions per row, which costs more
// than the arithmetic at 64 units. Here each row is read once and written once:
//
//   v[r] <- rho**(step - last_step[r]) * v[r] + (1 - rho) * g**2    (the rows' catch-up decay)
//   w[r] <- w[r] - lr * g / sqrt(v[r] + epsilon)                     (Keras's RMSprop)
//   last_step[r] <- step
//
// Rows that occur several times in `indices` have their gradients summed first, as the dense
// gradient sums them. Built by `make setup` (scripts/build-kernels.sh) into the library that
// `ticket_triage.kernels` loads; SparseRMSprop falls back to TensorFlow ops where it is not built.

#define EIGEN_USE_THREADS

#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/resource_mgr.h"
#include "tensorflow/core/framework/resource_var.h"
#include "tensorflow/core/framework/shape_inference.h"
#include "tensorflow/core/kernels/training_op_helpers.h"
#include "vector_clones.h"

namespace ticket_triage {
namespace {

using ::tensorflow::OpKernel;
using ::tensorflow::OpKernelConstruction;
using ::tensorflow::OpKernelContext;
using ::tensorflow::Tensor;
using ::tensorflow::Var;
using ::tensorflow::errors::InvalidArgument;
using CPUDevice = Eigen::ThreadPoolDevice;

REGISTER_OP("RmspropRows")
    .Input("variable: resource")
    .Input("velocity: resource")
    .Input("last_step: resource")
    .Input("gradient: float")
    .Input("indices: int64")
    .Input("step: int64")
    .Input("learning_rate: float")
    .Input("rho: float")
    .Input("epsilon: float")
    .SetIsStateful()
    .SetShapeFn(::tensorflow::shape_inference::NoOutputs)
    .Doc("RMSprop on the rows `indices` of `variable` only, catching up their decay.");

// The gradient rows to apply: `rows[k]` gets `values + k * width`, one entry per distinct row.
struct DistinctRows {
  std::vector<int64_t> rows;
  std::vector<float> summed;  // the summed gradients, when some row occurs several times
};

// Marks each row with `step` in `last_step`, keeping the step it held before in `previous`;
// a row already marked occurs twice, and then the gradients are summed per row.
DistinctRows Distinct(const int64_t* indices, int64_t n, const float* values, int64_t width,
                      int64_t step, int64_t* last_step, std::vector<int64_t>* previous) {
  DistinctRows distinct;
  distinct.rows.reserve(n);
  bool repeats = false;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t row = indices[i];
    if (last_step[row] == step) {
      repeats = true;
      continue;
    }
    distinct.rows.push_back(row);
    previous->push_back(last_step[row]);
    last_step[row] = step;
  }
  if (!repeats) return distinct;
  std::unordered_map<int64_t, int64_t> slot;
  for (int64_t k = 0; k < static_cast<int64_t>(distinct.rows.size()); ++k) {
    slot.emplace(distinct.rows[k], k);
  }
  distinct.summed.assign(distinct.rows.size() * width, 0.0f);
  for (int64_t i = 0; i < n; ++i) {
    float* sum = distinct.summed.data() + slot[indices[i]] * width;
    const float* value = values + i * width;
    for (int64_t j = 0; j < width; ++j) sum[j] += value[j];
  }
  return distinct;
}

// The update above for each distinct row k (gradients[k] for row rows[k], last brought up to
// date at step previous[k]).
TICKET_TRIAGE_VECTOR_CLONES void UpdateRows(const std::vector<int64_t>& rows,
                                            const std::vector<int64_t>& previous,
                                            const float* gradients, int64_t width, int64_t step,
                                            float learning_rate, float rho, float epsilon,
                                            float* mean_square, float* weights) {
  for (size_t k = 0; k < rows.size(); ++k) {
    const float decay = std::pow(rho, static_cast<float>(step - previous[k]));
    const float* g = gradients + k * width;
    float* v = mean_square + rows[k] * width;
    float* w = weights + rows[k] * width;
    for (int64_t j = 0; j < width; ++j) {
      v[j] = decay * v[j] + (1.0f - rho) * (g[j] * g[j]);
      w[j] -= (learning_rate * g[j]) / std::sqrt(v[j] + epsilon);
    }
  }
}

class RmspropRowsOp : public OpKernel {
 public:
  explicit RmspropRowsOp(OpKernelConstruction* context) : OpKernel(context) {}

  void Compute(OpKernelContext* context) override {
    ::tensorflow::core::RefCountPtr<Var> variables[3];
    for (int i = 0; i < 3; ++i) {
      OP_REQUIRES_OK(context, LookupResource(context, HandleFromInput(context, i), &variables[i]));
    }
    // Other ops may hold the variables' buffers (a dense read): update a copy of those, as
    // TensorFlow's own sparse training ops do.
    OP_REQUIRES_OK(context, (::tensorflow::EnsureSparseVariableAccess<CPUDevice, float>(
                                context, variables[0].get())));
    OP_REQUIRES_OK(context, (::tensorflow::EnsureSparseVariableAccess<CPUDevice, float>(
                                context, variables[1].get())));
    OP_REQUIRES_OK(context, (::tensorflow::EnsureSparseVariableAccess<CPUDevice, int64_t>(
                                context, variables[2].get())));
    std::vector<::tensorflow::mutex*> mutexes = {variables[0]->mu(), variables[1]->mu(),
                                                 variables[2]->mu()};
    std::sort(mutexes.begin(), mutexes.end());  // one order for every caller: no deadlock
    ::tensorflow::mutex_lock lock0(*mutexes[0]), lock1(*mutexes[1]), lock2(*mutexes[2]);

    Tensor* variable = variables[0]->tensor();
    Tensor* velocity = variables[1]->tensor();
    Tensor* last_step = variables[2]->tensor();
    const Tensor& gradient = context->input(3);
    const Tensor& indices = context->input(4);
    OP_REQUIRES(context, variable->dtype() == ::tensorflow::DT_FLOAT &&
                             velocity->dtype() == ::tensorflow::DT_FLOAT &&
                             last_step->dtype() == ::tensorflow::DT_INT64,
                InvalidArgument("RmspropRows: float32 variable and velocity, int64 last_step"));
    OP_REQUIRES(context, variable->dims() >= 1 && variable->shape() == velocity->shape(),
                InvalidArgument("RmspropRows: variable and velocity shapes differ: ",
                                variable->shape().DebugString(), " and ",
                                velocity->shape().DebugString()));
    const int64_t num_rows = variable->dim_size(0);
    const int64_t width = num_rows ? variable->NumElements() / num_rows : 0;
    const int64_t n = indices.NumElements();
    OP_REQUIRES(context, last_step->dims() == 1 && last_step->dim_size(0) == num_rows,
                InvalidArgument("RmspropRows: last_step needs one entry per row, got ",
                                last_step->shape().DebugString()));
    OP_REQUIRES(context, gradient.NumElements() == n * width,
                InvalidArgument("RmspropRows: ", n, " indices but a gradient of shape ",
                                gradient.shape().DebugString()));
    const int64_t* index = indices.flat<int64_t>().data();
    for (int64_t i = 0; i < n; ++i) {
      OP_REQUIRES(context, index[i] >= 0 && index[i] < num_rows,
                  InvalidArgument("RmspropRows: index ", index[i], " at position ", i,
                                  " is outside the variable's ", num_rows, " rows"));
    }

    const int64_t step = context->input(5).scalar<int64_t>()();
    const float learning_rate = context->input(6).scalar<float>()();
    const float rho = context->input(7).scalar<float>()();
    const float epsilon = context->input(8).scalar<float>()();
    const float* values = gradient.flat<float>().data();
    float* weights = variable->flat<float>().data();
    float* mean_square = velocity->flat<float>().data();

    std::vector<int64_t> previous;
    previous.reserve(n);
    const DistinctRows distinct = Distinct(index, n, values, width, step,
                                           last_step->flat<int64_t>().data(), &previous);
    const float* gradients = distinct.summed.empty() ? values : distinct.summed.data();
    UpdateRows(distinct.rows, previous, gradients, width, step, learning_rate, rho, epsilon,
               mean_square, weights);
  }
};

REGISTER_KERNEL_BUILDER(Name("RmspropRows").Device(::tensorflow::DEVICE_CPU), RmspropRowsOp);

}  // namespace
}  // namespace ticket_triage
