// Timeframes as Vietnamese plans write them ("Thời gian thực hiện"), turned
// into milestones: "hoàn thành trước ngày 30/4/2024", "trong Quý I/2024",
// "6 tháng đầu năm", "Quý I hằng năm", "Quý III năm trước liền kề năm kế
// hoạch", "Thường xuyên", "Ngay từ đầu năm và triển khai thực hiện thường
// xuyên trong năm", and lines that hold several ("Xây dựng kế hoạch … trong
// Quý I/2024, triển khai thực hiện xong trước 30/9/2024").
//
// Matching ignores case and diacritics ("Quy I/2024", "THUONG XUYEN"), and
// NFC and NFD spellings read the same.

#ifndef CHISO_COMMON_SCHEDULE_TIMEFRAME_H_
#define CHISO_COMMON_SCHEDULE_TIMEFRAME_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "chiso/common/v1/schedule.pb.h"

namespace chiso::schedule {

// The plan a timeframe belongs to.
struct TimeframeContext {
  // The year of dates, months, quarters and half years written without one
  // ("trước ngày 15/12", "trong Quý I", "6 tháng đầu năm", "trong năm").
  // 0 when unknown: the period's year is used when the period is a single
  // year, otherwise such a phrase fails.
  int plan_year = 0;
  // First and last plan year (Plan.period), 0 when unknown. Used only by
  // wording that names the end of the period ("cuối giai đoạn": 31 December
  // of period_end_year); recurrences are expanded over the period later, by
  // ExpandOccurrences (occurrences.h).
  int period_start_year = 0;
  int period_end_year = 0;
};

// Parses a timeframe into a Schedule whose `phrase` is the whole timeframe
// (NFC, whitespace collapsed) and whose milestones are in the order written.
// Each milestone's `phrase` is its own words, cut from `phrase` ("hoàn thành
// trước ngày 30/4/2024", "trong Quý I/2024", "Ngay từ đầu năm và triển khai
// thực hiện thường xuyên trong năm"), and its `label` the words before them
// that name what is due ("Xây dựng kế hoạch kiểm tra …"), or empty when
// those words only say "do it" (triển khai, thực hiện, hoàn thành, tiến
// hành, các nhiệm vụ, …).
//
// What becomes a milestone:
//   "(hoàn thành | xong) (trước | chậm nhất | đến | vào | trong) (ngày)
//   30/4/2024", "ngày 11 tháng 6 năm 2020", "2024-04-30"
//                                   -> due_date (without a year: plan year)
//   "trước tháng 5/2024"            -> due_date, the last day before it
//   "(trong) Quý I/2024", "Q2/2025" -> period: quarter
//   "6 tháng đầu | cuối năm (2024)", "nửa đầu năm"
//                                   -> period: half
//   "(trong) tháng 3/2024"          -> period: month
//   "trong | cuối | đến năm 2024", "trong năm", "cuối năm"
//                                   -> period: year ("trước năm 2025" ->
//                                      due 31/12/2024)
//   "cuối giai đoạn"                -> period: year period_end_year
//   "Quý I hằng năm", "Quý I năm kế hoạch", "15/12 hằng năm",
//   "6 tháng cuối năm hằng năm"     -> recurrence annual (quarter, or
//                                      month and day)
//   "Quý III năm trước liền kề năm kế hoạch", "… năm trước"
//                                   -> the same, year_offset -1 ("năm
//                                      sau": +1)
//   "Hàng năm", "hằng năm", "thường niên"            -> recurrence annual
//   "Định kỳ 6 tháng", "6 tháng một lần"             -> recurrence semiannual
//   "hằng quý", "cuối quý", "tháng cuối quý"         -> recurrence quarterly
//   "trước ngày 25 tháng cuối Quý"  -> recurrence quarterly, day 25
//   "Định kỳ hàng tháng", "ngày 20 hằng tháng"       -> recurrence monthly
//   "Thường xuyên (trong năm)", "(Ngay) từ đầu năm", "liên tục", "hằng
//   ngày", "hằng tuần", "cả năm", "khi có phát sinh", "(trong) cả giai
//   đoạn"                           -> continuous (check_in unspecified)
// Several milestones may share a line; they are split at the wording above,
// and ";", ":" and a sentence-ending "." also end a clause.
//
// Combining rules:
//   - Continuous wordings in one clause make one continuous milestone
//     ("Triển khai ngay từ đầu năm, thường xuyên trong năm"), which also
//     absorbs a neighbouring "trong năm".
//   - A frequency word next to a date, month, quarter or half year written
//     without a year makes it recur ("hằng năm, trước ngày 15/12" is annual
//     15/12). Next to one with a year, or elsewhere in a clause that has a
//     dated milestone, it describes the work, not the deadline ("Xây dựng
//     kế hoạch hằng năm, hoàn thành trước 31/1/2025" is one due date), and
//     stays in the label. Otherwise it is a recurrence of its own
//     ("Định kỳ 6 tháng, hàng năm" is two).
//
// References are not deadlines: a date, month or year ("năm 2020") becomes
// a milestone only when a deadline word comes right before it (trước, chậm
// nhất, hạn, đến, tới, vào, trong, hết, cuối, xong, hoàn thành) or it opens
// a clause or follows another milestone. So "Kế hoạch số 36/KH-UBND ngày
// 06/02/2024", "từ ngày 1/4" and "Báo cáo kết quả năm 2020 trước ngày
// 15/12" add nothing for the reference (the last gives one due date,
// 15/12). Quarters and half years always count.
//
// Fails with InvalidArgument, quoting the phrase:
//   - `timeframe "…": no date, quarter, half year, recurrence or continuous
//     wording found` when nothing above is found (also for an empty phrase);
//   - `timeframe "…": invalid date "31/4/2024": …` (and the like for
//     months, quarters and years) when a deadline is written but does not
//     exist or its year is outside 2000–2100;
//   - `timeframe "…": "Quý I" has no year and the plan year is
//     unknown` when the plan year is needed and not known.
absl::StatusOr<chiso::common::v1::Schedule> ParseTimeframe(absl::string_view phrase,
                                                           const TimeframeContext& ctx);

}  // namespace chiso::schedule

#endif  // CHISO_COMMON_SCHEDULE_TIMEFRAME_H_
