// The extractors of the document importer, run in this order by
// ParsePlanDocument (plan_document.h). Each reads the blocks, fills its part
// of the response, and reports a fact for everything it took and a warning
// for everything it could not resolve. None fails: a document with nothing to
// find gives an empty part and a warning.

#ifndef CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTORS_H_
#define CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTORS_H_

#include <vector>

#include "chiso/common/v1/task_draft.pb.h"
#include "chiso/plan/v1/plan_service.pb.h"
#include "services/plan/document/document.h"
#include "services/plan/document/extraction.h"

namespace chiso::plan::document {

// Header and closing block (header_extractor.cc): number ("Số: 60 /KH-STNMT"
// -> "60/KH-STNMT"; "Số: /KH-UBND" -> "/KH-UBND" and a NO_NUMBER warning),
// place and date ("Lạng Sơn, ngày 11 tháng 6 năm 2020"; "ngày tháng 3 năm
// 2024" leaves issued_on unset with a NO_DATE warning that keeps the month),
// title (the lines after "KẾ HOẠCH" up to the first basis or section), issuer
// (the caller's, else the issuing body named in the text, e.g. "Sở Tài nguyên
// và Môi trường", "UBND huyện Cao Lộc"), period (start_year/end_year from
// "năm 2022 và giai đoạn 2022 – 2025", "năm 2020"), parent plans ("Thực hiện
// Kế hoạch số 211/KH-UBND ngày 26/8/2022 …"; "Căn cứ Kế hoạch số …" of a
// superior body) and legal bases (other documents of the opening sentences:
// Nghị quyết, Công văn, Chỉ thị, …) as DocumentRef, whose dates are never
// deadlines; signer (name, post, TM./KT. authority), recipients (Nơi nhận,
// one per entry), funding (Kinh phí).
void ExtractHeader(const Document& doc, const ExtractContext& ctx, chiso::plan::v1::Plan* plan,
                   Report* report);

// Objectives (objective_extractor.cc): indices and components mentioned,
// baselines (score, rank "20/23", year; from the opening assessment or
// "(Năm 2019 được 6,77 điểm)"), targets with comparator ("đạt trên 7,80
// điểm" ABOVE; "đạt 9,06 điểm trở lên", "từ 70 điểm trở lên" AT_LEAST; "top
// 10" rank AT_MOST; totals "Tổng điểm mục tiêu năm 2024: 80,56 điểm"). Uses
// plan->period and issued_on for years written without one. Ids "o1", "o2",
// … in document order. A target whose component is not found gets a
// NO_COMPONENT warning and no objective.
void ExtractObjectives(const Document& doc, const ExtractContext& ctx, chiso::plan::v1::Plan* plan,
                       Report* report);

// Tasks (task_extractor.cc): per component section, the supervising leader
// ("Lãnh đạo phụ trách"), lead units ("Giao X chủ trì…", "X là đầu mối", "X
// chủ trì thực hiện", a table row's lead cell), coordinating units ("phối
// hợp với Y, Z và các phòng liên quan"), the bullets as the description, the
// "Thời gian thực hiện" lines as the schedule (schedule/timeframe.h, with the
// plan's year and period; a phrase that is not a deadline gives
// NOT_A_DEADLINE and no milestone), and appendix tables (TT | Nội dung |
// Nhiệm vụ cụ thể | Sản phẩm | Thời gian thực hiện | Cơ quan chủ trì; tab- or
// pipe-separated; rows spanning lines). One draft per lead clause or row;
// a clause naming several leads gives one draft per lead (same draft_id
// prefix, lines and text) and a SEVERAL_LEADS warning; a collective lead
// ("Các đơn vị thuộc Sở") gives a draft with a COLLECTIVE_LEAD warning, for
// ImportTasks to report. Drafts refer to the plan's objective of their
// component (objective_id) when there is one, else carry framework and
// component. draft_id is "L<first>-<last>" plus "-<n>" per lead.
void ExtractTasks(const Document& doc, const ExtractContext& ctx, const chiso::plan::v1::Plan& plan,
                  std::vector<chiso::common::v1::TaskDraft>* drafts, Report* report);

// Reporting rules (reporting_extractor.cc) from the closing section:
// "định kỳ hàng tháng" MONTHLY; "trước ngày 25 tháng cuối Quý" QUARTERLY day
// 25; "Định kỳ 6 tháng, hàng năm" SEMIANNUAL and ANNUAL; "Báo cáo kết quả
// thực hiện của năm 2020 … trước ngày 15/12" ANNUAL day 15 month 12;
// recipients ("gửi Phòng Kế hoạch - Tài chính, Văn phòng Sở", "gửi về UBND
// huyện (qua Phòng Tài chính - Kế hoạch)") as UnitRef display names; phrase
// as written.
void ExtractReportingRules(const Document& doc, const ExtractContext& ctx,
                           chiso::plan::v1::Plan* plan, Report* report);

}  // namespace chiso::plan::document

#endif  // CHISO_SERVICES_PLAN_DOCUMENT_EXTRACTORS_H_
