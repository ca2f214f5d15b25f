// Random and mutated protobuf messages over reflection only (libprotobuf-
// mutator is not packaged): every field is filled or changed by its type —
// strings (empty, long, Vietnamese, resource names the harness saw, garbage,
// NUL bytes), integers at their edges, NaN and infinities, known and unknown
// enum numbers, repeated fields of 0 to a few thousand elements, nested
// messages to a bounded depth, oneofs, and the well-known and chiso types
// whose edges matter (Timestamp, Duration, FieldMask, chiso.common.v1.Date
// and Decimal). One message stays well under the services' 4 MiB receive limit
// (a byte budget shrinks strings and lists once it is spent).
#ifndef CHISO_TESTS_RPCFUZZ_MESSAGE_MUTATOR_H_
#define CHISO_TESTS_RPCFUZZ_MESSAGE_MUTATOR_H_

#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace chiso::rpcfuzz {

// Resource names seen in answers, by collection: the segment before the last
// id ("plans/01…" → "plans", "tasks/01…/progressReports/01…" →
// "progressReports").
class NamePool {
 public:
  // Adds `name` if it looks like a resource name; returns whether it did.
  bool Add(const std::string& name);
  // A name of `collection` (any collection when it has none); "" when empty.
  std::string Pick(absl::string_view collection, std::mt19937_64& rng) const;
  const std::vector<std::string>* Of(absl::string_view collection) const;
  // The collection of `name`, or "" when it is not a resource name.
  static std::string CollectionOf(absl::string_view name);
  // Relations seen in answers, e.g. a task's lead unit ("lead").
  void Relate(const std::string& kind, const std::string& from, const std::string& to);
  std::string Related(const std::string& kind, const std::string& from) const;

 private:
  std::map<std::pair<std::string, std::string>, std::string> related_;
  std::map<std::string, std::vector<std::string>, std::less<>> by_collection_;
  std::vector<std::string> all_;
};

struct MutatorOptions {
  // Nested messages deeper than this are left unset by Randomize.
  int max_depth = 7;
  // Byte budget of one Randomize or Mutate call (strings and bytes).
  size_t byte_budget = 512 * 1024;
  // Longest string or bytes value.
  size_t max_string = 64 * 1024;
  // One-in-N chance of a repeated field of hundreds or thousands of elements.
  int huge_repeated_one_in = 60;
};

class MessageMutator {
 public:
  MessageMutator(uint64_t seed, const NamePool* pool, MutatorOptions options = {});

  std::mt19937_64& rng() { return rng_; }

  // Clears `message` and fills a random subset of its fields.
  void Randomize(google::protobuf::Message* message);
  // Applies one to four mutations to `message` in place.
  void Mutate(google::protobuf::Message* message);
  // Replaces every string "@collection" in `message` (recursively) by a name
  // of the pool, "@lead" by the lead unit of the task last picked, and "{n}"
  // inside strings by a fresh serial number: the placeholders of the seed
  // corpus.
  void ResolvePlaceholders(google::protobuf::Message* message);

  // Helpers, public for tests of the mutator itself.
  std::string RandomString(const google::protobuf::FieldDescriptor* field);
  std::string RandomBytes();
  // The collection a string field most likely names ("" when unknown).
  static std::string CollectionHint(const google::protobuf::FieldDescriptor* field);

 private:
  bool Chance(int one_in) { return Uniform(0, one_in - 1) == 0; }
  int64_t Uniform(int64_t lo, int64_t hi);
  template <typename T>
  const T& OneOf(const std::vector<T>& values) {
    return values[static_cast<size_t>(Uniform(0, static_cast<int64_t>(values.size()) - 1))];
  }
  size_t TakeBudget(size_t want);

  void Fill(google::protobuf::Message* message, int depth);
  bool FillSpecial(google::protobuf::Message* message, int depth);
  void SetRandomField(google::protobuf::Message* message,
                      const google::protobuf::FieldDescriptor* field, int depth);
  void AddRandomElement(google::protobuf::Message* message,
                        const google::protobuf::FieldDescriptor* field, int depth);
  void MutateOnce(google::protobuf::Message* message, int depth);
  void MutateField(google::protobuf::Message* message,
                   const google::protobuf::FieldDescriptor* field, int depth);
  std::string TweakString(std::string value);
  int64_t RandomInt(const google::protobuf::FieldDescriptor* field);
  uint64_t RandomUint();
  double RandomDouble();
  int RandomEnum(const google::protobuf::EnumDescriptor* e);
  std::string ResourceLikeString(const std::string& collection);
  void FillFieldMask(google::protobuf::Message* mask, const google::protobuf::Message* parent);

  std::mt19937_64 rng_;
  const NamePool* pool_;
  MutatorOptions options_;
  size_t budget_left_ = 0;
  int serial_ = 0;
  std::string last_task_;
  // The message whose fields the mask being filled names (set by Fill).
  const google::protobuf::Message* mask_parent_ = nullptr;
};

}  // namespace chiso::rpcfuzz

#endif  // CHISO_TESTS_RPCFUZZ_MESSAGE_MUTATOR_H_
