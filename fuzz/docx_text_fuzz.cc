// Feeds arbitrary bytes to DocxText as a .docx file and, unless they start
// like a zip archive, also as the word/document.xml of one (mutated archives
// rarely get past their checksums, so this is how the XML reader is reached).
// No input may crash it, read past the archive or hold more memory than its
// limits allow; errors are InvalidArgument or ResourceExhausted and say
// "docx: "; the text it returns fits max_text_bytes, and a smaller limit cuts
// the same text off rather than changing it.

#include <zip.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "fuzz/require.h"
#include "services/plan/document/docx_text.h"

namespace chiso::plan::document {
namespace {

using ::chiso::fuzz::Require;

// The text limit of the second run.
constexpr size_t kSmallTextBytes = 64;

void RequireKnownError(const absl::Status& status) {
  Require(status.code() == absl::StatusCode::kInvalidArgument ||
              status.code() == absl::StatusCode::kResourceExhausted,
          absl::StrCat("errors are InvalidArgument or ResourceExhausted, not ", status.ToString()));
  Require(absl::StartsWith(status.message(), "docx: "),
          absl::StrCat("errors start with \"docx: \": ", status.ToString()));
}

struct ZipSourceFreer {
  void operator()(zip_source_t* source) const { zip_source_free(source); }
};

// A zip archive whose only entry, word/document.xml, is `xml` stored
// uncompressed.
std::string ZipAsDocumentXml(absl::string_view xml) {
  zip_error_t error;
  zip_error_init(&error);
  std::unique_ptr<zip_source_t, ZipSourceFreer> buffer(
      zip_source_buffer_create(nullptr, 0, 0, &error));
  zip_error_fini(&error);
  Require(buffer != nullptr, "libzip makes a buffer");
  zip_source_keep(buffer.get());  // zip_close fills it, and frees one reference
  zip_t* archive = zip_open_from_source(buffer.get(), ZIP_TRUNCATE, nullptr);
  Require(archive != nullptr, "libzip opens an archive in memory");
  zip_source_t* entry = zip_source_buffer(archive, xml.data(), xml.size(), 0);
  const zip_int64_t index = zip_file_add(archive, "word/document.xml", entry, 0);
  Require(index >= 0, "libzip adds an entry");
  zip_set_file_compression(archive, static_cast<zip_uint64_t>(index), ZIP_CM_STORE, 0);
  Require(zip_close(archive) == 0, "libzip writes the archive");

  std::string out;
  Require(zip_source_open(buffer.get()) == 0, "libzip reads the archive back");
  char chunk[16 * 1024];
  for (zip_int64_t n; (n = zip_source_read(buffer.get(), chunk, sizeof chunk)) > 0;) {
    out.append(chunk, static_cast<size_t>(n));
  }
  zip_source_close(buffer.get());
  return out;
}

void Check(absl::string_view bytes) {
  const DocxLimits limits;
  const absl::StatusOr<std::string> text = DocxText(bytes, limits);
  if (!text.ok()) {
    RequireKnownError(text.status());
    return;
  }
  Require(text->size() <= limits.max_text_bytes, "the text fits max_text_bytes");

  DocxLimits small = limits;
  small.max_text_bytes = kSmallTextBytes;
  const absl::StatusOr<std::string> small_text = DocxText(bytes, small);
  if (text->size() <= kSmallTextBytes) {
    Require(small_text.ok() && *small_text == *text,
            "a text under both limits is the same under both");
  } else {
    Require(small_text.status().code() == absl::StatusCode::kResourceExhausted,
            absl::StrCat("a text over max_text_bytes is ResourceExhausted, not ",
                         small_text.status().ToString()));
  }
}

void FuzzOne(absl::string_view bytes) {
  Check(bytes);
  if (!absl::StartsWith(bytes, "PK")) Check(ZipAsDocumentXml(bytes));
}

}  // namespace
}  // namespace chiso::plan::document

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chiso::plan::document::FuzzOne(absl::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
