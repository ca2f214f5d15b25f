// Sends mutated requests to every method of every chiso service over
// in-process channels, as bytes through grpc::GenericStub, so no method needs
// its own code: the methods come from the generated service descriptors and
// the requests from message_mutator (random ones, and mutations of a small
// corpus of valid requests per method whose resource names come from what
// earlier calls created). It checks that no call crashes the process (ASan
// and UBSan run in `make test`), answers INTERNAL, UNKNOWN or DATA_LOSS, or
// hangs; that bytes which are not a request are refused with a status; and,
// after the run, that every List method still pages through everything, every
// listed resource can be fetched, and every database passes SQLite's
// integrity and foreign key checks. See docs/FUZZING.md.
//
// CHISO_RPCFUZZ_ITERATIONS (rounds over every method), CHISO_RPCFUZZ_SEED and
// CHISO_RPCFUZZ_VERBOSE (a per-method table of status codes) tune a run.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "chiso/assignment/v1/assignment_service.grpc.pb.h"
#include "chiso/notification/v1/notification_service.grpc.pb.h"
#include "chiso/notification/v1/reminder.pb.h"
#include "chiso/plan/v1/plan_service.grpc.pb.h"
#include "chiso/scoring/v1/scoring_service.grpc.pb.h"
#include "common/calendar/working_calendar.h"
#include "common/catalog/catalog.h"
#include "common/civil/clock.h"
#include "common/civil/proto_time.h"
#include "common/ids/ids.h"
#include "common/log/log.h"
#include "common/server/server.h"
#include "common/storage/database.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/text_format.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/byte_buffer.h"
#include "gtest/gtest.h"
#include "services/assignment/assignment_service.h"
#include "services/assignment/assignment_store.h"
#include "services/assignment/plan_client.h"
#include "services/notification/delivery_hub.h"
#include "services/notification/inbox_manager.h"
#include "services/notification/lateness_window.h"
#include "services/notification/notification_service.h"
#include "services/notification/notification_store.h"
#include "services/notification/operations_manager.h"
#include "services/notification/webhook_manager.h"
#include "services/plan/plan_manager.h"
#include "services/plan/plan_service.h"
#include "services/plan/plan_store.h"
#include "services/scoring/framework_domain.h"
#include "services/scoring/scoring_clients.h"
#include "services/scoring/scoring_manager.h"
#include "services/scoring/scoring_service.h"
#include "services/scoring/scoring_store.h"
#include "tests/notification/fake_queue_admin.h"
#include "tests/rpcfuzz/message_mutator.h"

namespace chiso::rpcfuzz {
namespace {

namespace gpb = google::protobuf;
namespace nv1 = chiso::notification::v1;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::atoi(v);
}
uint64_t EnvU64(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  return v == nullptr || *v == '\0' ? fallback : std::strtoull(v, nullptr, 10);
}
bool Verbose() { return std::getenv("CHISO_RPCFUZZ_VERBOSE") != nullptr; }

// Swallows the services' JSON logs (one line per RPC).
class NullBuffer : public std::streambuf {
 protected:
  int overflow(int c) override { return c; }
};

std::string Text(const gpb::Message& m, size_t limit = 3000) {
  gpb::TextFormat::Printer printer;
  printer.SetSingleLineMode(true);
  printer.SetTruncateStringFieldLongerThan(120);
  std::string out;
  printer.PrintToString(m, &out);
  if (out.size() > limit) out = absl::StrCat(out.substr(0, limit), "… (", out.size(), " chars)");
  return out;
}

std::string ToString(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const grpc::Slice& s : slices)
    out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

// The seed corpus: valid requests in text format per "Service.Method".
// "@collection" is replaced by a name the harness saw, "{n}" by a serial.
const std::map<std::string, std::vector<std::string>>& Seeds() {
  static const auto* seeds = new std::map<std::string, std::vector<std::string>>{
      // ---- plan ----
      {"PlanService.CreatePlan",
       {R"pb(plan {
               title: "Cải thiện chỉ số DDCI năm 2024"
               issuer { display_name: "UBND huyện Hà Mỹ" unit: "@units" }
               objectives {
                 framework: "DDCI"
                 component: "LAND_ACCESS"
                 target {
                   year: 2024
                   comparator: COMPARATOR_AT_LEAST
                   value { value: "5,78" }
                 }
               }
             })pb",
        R"pb(plan {
               number: "{n}/KH-UBND"
               title: "Cải thiện chỉ số DDCI huyện Hà Mỹ năm 2024"
               issuer { display_name: "UBND huyện Hà Mỹ" unit: "@units" }
               issued_on { year: 2024 month: 3 day: 1 }
               period { start_year: 2024 end_year: 2025 }
               signer { full_name: "Trần Văn Bình" post: "Chủ tịch" }
               objectives {
                 id: "o1"
                 framework: "DDCI"
                 component: "TIME_COSTS"
                 measure: MEASURE_SCORE
                 baseline {
                   year: 2023
                   value { value: "6.10" }
                   rank: 12
                   rank_of: 23
                 }
                 target {
                   year: 2024
                   comparator: COMPARATOR_ABOVE
                   value { value: "8.50" }
                 }
               }
               objectives {
                 framework: "DDCI"
                 measure: MEASURE_RANK
                 target {
                   year: 2024
                   comparator: COMPARATOR_AT_MOST
                   value { value: "10" }
                 }
               }
               reporting_rules {
                 frequency: FREQUENCY_QUARTERLY
                 day: 15
                 recipients { display_name: "Sở Nội vụ" }
               }
               recipients: "Sở Nội vụ"
               supersedes: "@plans"
             })pb",
        R"pb(validate_only: true
             plan {
               title: "Kế hoạch PCI"
               issuer { display_name: "UBND tỉnh Lạng Sơn" }
               objectives {
                 framework: "PCI"
                 component: "LABOR_TRAINING"
                 target { year: 2024 comparator: COMPARATOR_AT_LEAST grade: "A" }
               }
             })pb"}},
      {"PlanService.GetPlan", {R"pb(name: "@plans")pb"}},
      {"PlanService.ListPlans",
       {R"pb(page_size: 3)pb",
        R"pb(filter { year: 2024 framework: "DDCI" statuses: PLAN_STATUS_ISSUED })pb",
        R"pb(filter { issuer: "@units" })pb", R"pb(filter { issuer: "ubnd huyen ha my" })pb"}},
      {"PlanService.UpdatePlan",
       {R"pb(plan { name: "@plans" title: "Tiêu đề mới" }
             update_mask { paths: "title" })pb",
        R"pb(plan { name: "@plans" recipients: "Sở Nội vụ" recipients: "Sở Tư pháp" }
             update_mask { paths: "recipients" })pb",
        R"pb(plan {
               name: "@plans"
               objectives {
                 framework: "DDCI"
                 component: "TRANSPARENCY"
                 target {
                   year: 2025
                   comparator: COMPARATOR_AT_LEAST
                   value { value: "7" }
                 }
               }
             }
             update_mask { paths: "objectives" })pb",
        R"pb(plan {
               name: "@plans"
               reporting_rules { frequency: FREQUENCY_MONTHLY day: 25 }
             }
             update_mask { paths: "reporting_rules" })pb"}},
      {"PlanService.DeletePlan", {R"pb(name: "@plans")pb"}},
      {"PlanService.IssuePlan",
       {R"pb(name: "@plans"
             number: "{n}/KH-UBND"
             issued_on { year: 2024 month: 3 day: 1 })pb",
        R"pb(name: "@plans")pb"}},
      {"PlanService.ClosePlan",
       {R"pb(name: "@plans" reason: "Đã hoàn thành kế hoạch")pb",
        R"pb(name: "@plans" archive: true)pb"}},
      {"PlanService.ImportPlanDocument",
       {R"pb(text: "Số: {n}/KH-SNV\n\nBắc Kạn, ngày 4 tháng 3 năm 2024\n\nKẾ HOẠCH\n\n"
                   "Nâng cao chỉ số DDCI của Sở Nội vụ năm 2024\n\n"
                   "II. NỘI DUNG VÀ PHÂN CÔNG NHIỆM VỤ\n\n"
                   "1. Chỉ số “Chi phí thời gian”\n\n"
                   "- Chỉ tiêu phấn đấu năm 2024: đạt trên 7,50 điểm (Năm 2023 được 6,10 điểm).\n\n"
                   "- Giao Văn phòng Sở chủ trì, phối hợp với Thanh tra Sở rà soát thủ tục.\n\n"
                   "* Thời gian thực hiện: hoàn thành trước ngày 30/6/2024.\n\n"
                   "GIÁM ĐỐC\n\nTrần Văn Bình\n"
             issuer { display_name: "Sở Nội vụ" }
             commit: true)pb",
        R"pb(docx: "PK\003\004garbage"
             issuer { display_name: "Sở Nội vụ" })pb"}},
      // ---- assignment ----
      {"AssignmentService.CreateUnit",
       {R"pb(unit {
               code: "D{n}"
               display_name: "UBND huyện Hà Mỹ"
               kind: UNIT_KIND_DISTRICT_COMMITTEE
             })pb",
        R"pb(unit {
               code: "U{n}"
               display_name: "Phòng Tài chính - Kế hoạch"
               kind: UNIT_KIND_DIVISION
               parent: "@units"
               aliases: "Phòng TC-KH"
               valid_from { year: 2020 month: 1 day: 1 }
             })pb",
        R"pb(unit {
               code: "T{n}"
               display_name: "Thanh tra huyện"
               kind: UNIT_KIND_DIVISION
               parent: "@units"
             })pb"}},
      {"AssignmentService.GetUnit", {R"pb(name: "@units")pb"}},
      {"AssignmentService.ListUnits",
       {R"pb(page_size: 5
             filter { ancestor: "@units" })pb",
        R"pb(filter { text: "tai chinh" kinds: UNIT_KIND_DIVISION states: UNIT_STATE_ACTIVE })pb",
        R"pb(filter {
               parent: "@units"
               valid_on { year: 2024 month: 5 day: 2 }
             })pb"}},
      {"AssignmentService.UpdateUnit",
       {R"pb(unit { name: "@units" display_name: "Thanh tra huyện" }
             update_mask { paths: "display_name" })pb",
        R"pb(unit { name: "@units" aliases: "TTH" aliases: "Thanh tra" }
             update_mask { paths: "aliases" })pb",
        R"pb(unit { name: "@units" parent: "@units" }
             update_mask { paths: "parent" })pb",
        R"pb(unit { name: "@units" head: "@people" }
             update_mask { paths: "head" })pb"}},
      {"AssignmentService.EndUnit", {R"pb(name: "@units"
                                          valid_to { year: 2024 month: 6 day: 30 })pb"}},
      {"AssignmentService.MergeUnit",
       {R"pb(name: "@units"
             successor: "@units"
             effective_date { year: 2024 month: 5 day: 1 })pb",
        R"pb(name: "@units"
             successor: "@units"
             validate_only: true
             effective_date { year: 2024 month: 7 day: 1 })pb"}},
      {"AssignmentService.ResolveUnit",
       {R"pb(text: "Phòng TC-KH" context_unit: "@units")pb",
        R"pb(text: "các cơ quan, đơn vị liên quan" max_candidates: 3)pb",
        R"pb(text: "Thanh tra huyện"
             as_of { year: 2024 month: 5 day: 2 })pb"}},
      {"AssignmentService.CreatePerson", {R"pb(person {
                                                 display_name: "Nguyễn Văn An"
                                                 title: "Phó Chủ tịch UBND huyện"
                                                 unit: "@units"
                                               })pb"}},
      {"AssignmentService.GetPerson", {R"pb(name: "@people")pb"}},
      {"AssignmentService.ListPeople",
       {R"pb(filter { unit: "@units" include_subtree: true })pb",
        R"pb(page_size: 2
             filter { text: "nguyen" })pb"}},
      {"AssignmentService.UpdatePerson",
       {R"pb(person { name: "@people" title: "Chủ tịch" }
             update_mask { paths: "title" })pb",
        R"pb(person { name: "@people" unit: "@units" }
             update_mask { paths: "unit" })pb"}},
      {"AssignmentService.DeletePerson", {R"pb(name: "@people")pb"}},
      {"AssignmentService.CreateTask",
       {R"pb(task {
               plan: "@plans"
               objective_id: "o1"
               title: "Rút ngắn thời gian giải quyết hồ sơ"
               lead_unit { unit: "@units" }
               supervisor_post: "Phó Chủ tịch UBND huyện phụ trách kinh tế"
               schedule { phrase: "hoàn thành trước ngày 30/6/2024" }
             })pb",
        R"pb(task {
               plan: "@plans"
               component { framework: "DDCI" component: "TIME_COSTS" }
               title: "Công khai thủ tục hành chính"
               lead_unit { display_name: "Phòng TC-KH" }
               coordinating_units { unit: "@units" }
               supervisor_person: "@people"
               deliverable: "Báo cáo"
               schedule {
                 milestones {
                   due_date { year: 2024 month: 9 day: 30 }
                   label: "Xong"
                 }
                 milestones { recurrence { frequency: FREQUENCY_QUARTERLY quarter: 1 } }
               }
             })pb",
        R"pb(task {
               plan: "@plans"
               title: "Theo dõi thường xuyên"
               lead_unit { unit: "@units" }
               supervisor_post: "Chủ tịch"
               schedule { phrase: "Ngay từ đầu năm và thường xuyên trong năm" }
             })pb"}},
      {"AssignmentService.GetTask", {R"pb(name: "@tasks")pb"}},
      {"AssignmentService.ListTasks",
       {R"pb(filter { plan: "@plans" })pb",
        R"pb(filter {
               unit: "@units"
               unit_role: UNIT_ROLE_LEAD
               include_subtree: true
               timeliness: TIMELINESS_OVERDUE
             })pb",
        R"pb(page_size: 2
             filter {
               due_from { year: 2024 month: 1 day: 1 }
               due_to { year: 2024 month: 12 day: 31 }
               text: "hồ sơ"
             })pb"}},
      {"AssignmentService.UpdateTask",
       {R"pb(task { name: "@tasks" title: "Tiêu đề mới" }
             update_mask { paths: "title" })pb",
        R"pb(task {
               name: "@tasks"
               schedule { phrase: "trong Quý III/2024" }
             }
             update_mask { paths: "schedule" })pb",
        R"pb(task {
               name: "@tasks"
               lead_unit { unit: "@units" }
               coordinating_units { unit: "@units" }
             }
             update_mask { paths: "lead_unit" paths: "coordinating_units" })pb"}},
      {"AssignmentService.DeleteTask", {R"pb(name: "@tasks")pb"}},
      {"AssignmentService.CancelTask", {R"pb(name: "@tasks" reason: "Không còn phù hợp")pb"}},
      {"AssignmentService.ReopenTask",
       {R"pb(name: "@tasks" reason: "Làm lại")pb",
        R"pb(name: "@tasks"
             reason: "Làm lại"
             occurrence_due_date { year: 2024 month: 6 day: 30 })pb"}},
      {"AssignmentService.ReportProgress",
       {R"pb(task: "@tasks"
             progress_report {
               reporting_unit: "@lead"
               percent_complete: 50
               status: TASK_STATUS_IN_PROGRESS
               note: "Đang triển khai"
             })pb",
        R"pb(task: "@tasks"
             request_id: "r{n}"
             progress_report {
               reporting_unit: "@lead"
               reporter: "@people"
               as_of { year: 2024 month: 5 day: 2 }
               percent_complete: 100
               status: TASK_STATUS_DONE
               evidence {
                 document {
                   number: "125/KH-UBND"
                   issued_on { year: 2024 month: 5 day: 1 }
                 }
               }
               evidence { url: "https://example.gov.vn/vb/125" }
             })pb"}},
      {"AssignmentService.GetProgressReport", {R"pb(name: "@progressReports")pb"}},
      {"AssignmentService.ListProgressReports",
       {R"pb(parent: "@tasks")pb", R"pb(parent: "@tasks"
                                        page_size: 1
                                        filter { reporting_unit: "@units" })pb"}},
      {"AssignmentService.ImportTasks",
       {R"pb(plan: "@plans"
             context_unit: "@units"
             drafts {
               draft_id: "d{n}"
               objective_id: "o1"
               title: "Rà soát thủ tục hành chính {n}"
               lead_units: "Phòng TC-KH"
               coordinating_units: "Thanh tra huyện"
               supervisor: "Phó Chủ tịch UBND huyện"
               schedule { phrase: "trong Quý III/2024" }
             }
             drafts {
               draft_id: "c{n}"
               title: "Việc chung"
               lead_units: "các cơ quan, đơn vị liên quan"
               schedule { phrase: "thường xuyên" }
             })pb",
        R"pb(plan: "@plans"
             validate_only: true
             drafts {
               draft_id: "v{n}"
               title: "Một việc"
               lead_units: "Thanh tra huyện"
               schedule { phrase: "hoàn thành trước ngày 30/6/2024" }
             })pb"}},
      {"AssignmentService.GetUnitSummary",
       {R"pb(unit: "@units" include_subtree: true)pb",
        R"pb(unit: "@units"
             plan: "@plans"
             as_of { year: 2024 month: 9 day: 30 })pb"}},
      {"AssignmentService.GetPlanSummary",
       {R"pb(plan: "@plans")pb", R"pb(plan: "@plans"
                                      as_of { year: 2024 month: 10 day: 1 })pb"}},
      // ---- scoring ----
      {"ScoringService.CreateFramework",
       {R"pb(framework {
               code: "DDCI"
               level: LEVEL_DEPARTMENT
               valid_years { start_year: 2019 end_year: 2020 }
               measured_by { display_name: "UBND tỉnh {n}" }
               components {
                 code: "TRANSPARENCY"
                 min { value: "0" }
                 max { value: "10" }
                 higher_is_better: true
               }
               components {
                 code: "TIME_COSTS"
                 min { value: "0" }
                 max { value: "10" }
                 higher_is_better: true
               }
               aggregation: AGGREGATION_MEAN_SCALED
               scale { value: "10" }
               grade_bands {
                 grade: "A"
                 lower_bound { value: "8" }
               }
             })pb",
        R"pb(framework_id: "ddci-{n}"
             framework {
               code: "DDCI"
               level: LEVEL_DISTRICT
               valid_years { start_year: 2021 end_year: 2021 }
               measured_by { display_name: "UBND tỉnh Cao Bằng {n}" unit: "@units" }
               components {
                 code: "TIME_COSTS"
                 min { value: "0" }
                 max { value: "10" }
                 weight: 1
               }
               aggregation: AGGREGATION_SUM
             })pb"}},
      {"ScoringService.GetFramework", {R"pb(name: "@frameworks")pb"}},
      {"ScoringService.ListFrameworks",
       {R"pb(filter { code: "DDCI" level: LEVEL_DEPARTMENT year: 2019 })pb",
        R"pb(page_size: 2
             filter { origin: FRAMEWORK_ORIGIN_API })pb"}},
      {"ScoringService.UpdateFramework",
       {R"pb(framework { name: "@frameworks" display_name: "DDCI mới" }
             update_mask { paths: "display_name" })pb",
        R"pb(framework {
               name: "@frameworks"
               valid_years { start_year: 2019 end_year: 2030 }
             }
             update_mask { paths: "valid_years" })pb"}},
      {"ScoringService.DeleteFramework", {R"pb(name: "@frameworks")pb"}},
      {"ScoringService.CreateResult",
       {R"pb(result {
               subject { entity: "Sở A{n}" }
               framework_code: "DDCI"
               framework: "frameworks/ddci-2019-department"
               level: LEVEL_DEPARTMENT
               year: 2019
               peer_group: "Khối sở"
               component_scores {
                 component: "TIME_COSTS"
                 score { value: "7.10" }
                 rank: 3
                 rank_of: 23
               }
               component_scores {
                 component: "TRANSPARENCY"
                 score { value: "6,50" }
               }
               published_total { value: "6.80" }
             })pb",
        R"pb(result {
               subject { unit: "@units" display_name: "Sở TN&MT" }
               framework_code: "DDCI"
               framework: "frameworks/ddci-2019-department"
               level: LEVEL_DEPARTMENT
               year: 2020
               peer_group: "Khối sở"
               component_scores {
                 component: "TIME_COSTS"
                 score { value: "8.60" }
               }
             })pb"}},
      {"ScoringService.GetResult", {R"pb(name: "@results")pb"}},
      {"ScoringService.ListResults",
       {R"pb(filter {
               framework_code: "DDCI"
               level: LEVEL_DEPARTMENT
               years { start_year: 2019 end_year: 2024 }
             })pb",
        R"pb(page_size: 2
             filter { unit: "@units" mismatch_only: true })pb"}},
      {"ScoringService.UpdateResult",
       {R"pb(result { name: "@results" note: "Theo công bố" }
             update_mask { paths: "note" })pb",
        R"pb(result {
               name: "@results"
               component_scores {
                 component: "TIME_COSTS"
                 score { value: "9" }
               }
             }
             update_mask { paths: "component_scores" })pb"}},
      {"ScoringService.DeleteResult", {R"pb(name: "@results")pb"}},
      {"ScoringService.ImportResults",
       {R"pb(csv: "framework,level,year,entity,peer_group,TIME_COSTS,TIME_COSTS_rank,TIME_COSTS_rank_of\n"
                  "DDCI,department,2019,Sở B{n},Khối sở,\"7,10\",3,23\n"
                  "DDCI,department,2019,Sở C{n},Khối sở,11.2,,\n"
             skip_invalid: true)pb",
        R"pb(csv: "framework,level,year,entity,peer_group,TIME_COSTS\n"
                  "DDCI,department,2020,Sở D,Khối sở,6.50\n"
             replace_existing: true
             validate_only: true)pb"}},
      {"ScoringService.GetRanking",
       {R"pb(framework_code: "DDCI" level: LEVEL_DEPARTMENT year: 2019 peer_group: "Khối sở")pb",
        R"pb(framework_code: "DDCI"
             level: LEVEL_DEPARTMENT
             year: 2019
             peer_group: "Khối sở"
             component: "TIME_COSTS"
             page_size: 2)pb"}},
      {"ScoringService.GetTrend",
       {R"pb(subject { entity: "Sở A1" }
             framework_code: "DDCI"
             years { start_year: 2018 end_year: 2024 })pb",
        R"pb(subject { unit: "@units" }
             framework_code: "DDCI"
             component: "TIME_COSTS"
             basis: MEASURE_RANK)pb"}},
      {"ScoringService.ComputeScorecard",
       {R"pb(plan: "@plans"
             subject { unit: "@units" }
             year: 2024)pb",
        R"pb(plan: "@plans")pb"}},
      // ---- notification ----
      {"NotificationService.ListNotifications",
       {R"pb(filter { recipients: "@units" include_subtree: true })pb",
        R"pb(page_size: 2
             filter { recipients: "@units" unread_only: true kinds: NOTIFICATION_KIND_TASK_DUE })pb",
        R"pb(filter {
               plan: "@plans"
               fired_after { seconds: 1714000000 }
             })pb"}},
      {"NotificationService.MarkRead",
       {R"pb(recipient: "@units"
             notifications { names: "@notifications" })pb",
        R"pb(recipient: "@units"
             fired_before { seconds: 1714500000 })pb"}},
      {"NotificationService.Subscribe",
       {R"pb(filter { recipients: "@units" }
             heartbeat_interval { seconds: 5 })pb",
        R"pb(since { seconds: 1714400000 })pb"}},
      {"NotificationService.CreateWebhook", {R"pb(webhook {
                                                    display_name: "Hệ thống văn bản {n}"
                                                    url: "https://vanban.example.gov.vn/hook"
                                                    secret: "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                                                    filter {
                                                      recipients: "@units"
                                                      include_subtree: true
                                                      kinds: NOTIFICATION_KIND_TASK_DUE
                                                    }
                                                    max_attempts: 5
                                                  })pb"}},
      {"NotificationService.GetWebhook", {R"pb(name: "@webhooks")pb"}},
      {"NotificationService.ListWebhooks", {R"pb(page_size: 2)pb"}},
      {"NotificationService.UpdateWebhook",
       {R"pb(webhook { name: "@webhooks" state: WEBHOOK_STATE_PAUSED }
             update_mask { paths: "state" })pb",
        R"pb(webhook { name: "@webhooks" secret: "ssssssssssssssssssssssssssssssssssss" }
             update_mask { paths: "secret" })pb"}},
      {"NotificationService.DeleteWebhook", {R"pb(name: "@webhooks")pb"}},
      {"NotificationService.GetQueueStats", {R"pb(window { seconds: 300 })pb"}},
      {"NotificationService.ListDeadLetters",
       {R"pb(filter { reminder_id_prefix: "task/" })pb", R"pb(filter { webhook: "@webhooks" })pb"}},
      {"NotificationService.RetryDeadLetter",
       {R"pb(name: "@deadLetters")pb", R"pb(name: "@deadLetters"
                                            fire_time { seconds: 1714600000 })pb"}},
      {"NotificationService.ListPendingReminders",
       {R"pb(filter { plan: "@plans" })pb", R"pb(page_size: 1
                                                 filter { reminder_id_prefix: "task/" })pb"}},
  };
  return *seeds;
}

struct Method {
  const gpb::ServiceDescriptor* service;
  const gpb::MethodDescriptor* method;
  std::string path;  // "/chiso.plan.v1.PlanService/CreatePlan"
  std::string key;   // "PlanService.CreatePlan"
  grpc::GenericStub* stub;
  std::vector<std::unique_ptr<gpb::Message>> seeds;
  std::map<int, int> codes;  // status code → calls
  int failures = 0;
  // Unmutated seeds that failed, by status message (the corpus's health).
  std::map<std::string, int> seed_errors;
};

struct Outcome {
  grpc::Status status;
  std::string request_id;  // the x-request-id sent
  std::string response;    // the first response message, serialized
  bool has_response = false;
  absl::Duration took;
};

bool Forbidden(grpc::StatusCode code) {
  return code == grpc::StatusCode::INTERNAL || code == grpc::StatusCode::UNKNOWN ||
         code == grpc::StatusCode::DATA_LOSS;
}

std::string CodeName(int code) {
  static const char* const kNames[] = {"OK",
                                       "CANCELLED",
                                       "UNKNOWN",
                                       "INVALID_ARGUMENT",
                                       "DEADLINE_EXCEEDED",
                                       "NOT_FOUND",
                                       "ALREADY_EXISTS",
                                       "PERMISSION_DENIED",
                                       "RESOURCE_EXHAUSTED",
                                       "FAILED_PRECONDITION",
                                       "ABORTED",
                                       "OUT_OF_RANGE",
                                       "UNIMPLEMENTED",
                                       "INTERNAL",
                                       "UNAVAILABLE",
                                       "DATA_LOSS",
                                       "UNAUTHENTICATED"};
  return code >= 0 && code <= 16 ? kNames[code] : absl::StrCat(code);
}

// Every service as its main.cc wires it, each on its own in-memory SQLite
// database and in-process server; the assignment and scoring services call
// the others over in-process channels.
class RpcFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    log::SetOutput(&null_log_);
    // 2 May 2024, 09:00 in Hà Nội.
    clock_.Set(absl::FromCivil(absl::CivilSecond(2024, 5, 2, 2, 0, 0), absl::UTCTimeZone()));
    ServerOptions options;
    options.listen_address = "";
    options.metrics_address = "";
    options.drain_grace = absl::ZeroDuration();
    options.shutdown_deadline = absl::Seconds(2);

    // plan
    plan_db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*plan_db_, plan::PlanMigrations()).ok());
    plan_store_ = plan::NewSqlPlanStore(plan_db_.get());
    plan_manager_ = std::make_unique<plan::PlanManager>(plan_store_.get(), &catalog_, &clock_,
                                                        &plan_ids_, nullptr);
    plan_service_ = std::make_unique<plan::PlanServiceImpl>(plan_manager_.get());
    options.service_name = "plan";
    plan_server_ = *Server::Start(
        options, {{chiso::plan::v1::PlanService::service_full_name(), plan_service_.get()}},
        std::make_shared<prometheus::Registry>(), nullptr);

    // assignment
    assignment_db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*assignment_db_, assignment::AssignmentMigrations()).ok());
    assignment_store_ = assignment::NewSqlAssignmentStore(assignment_db_.get());
    plan_client_ = assignment::NewGrpcPlanClient(plan_server_->InProcessChannel());
    units_ = std::make_unique<assignment::UnitManager>(assignment_store_.get(), &clock_,
                                                       &assignment_ids_);
    tasks_ = std::make_unique<assignment::TaskManager>(assignment_store_.get(), plan_client_.get(),
                                                       &catalog_, &clock_, &assignment_ids_);
    assignment_service_ =
        std::make_unique<assignment::AssignmentServiceImpl>(units_.get(), tasks_.get());
    options.service_name = "assignment";
    assignment_server_ =
        *Server::Start(options,
                       {{chiso::assignment::v1::AssignmentService::service_full_name(),
                         assignment_service_.get()}},
                       std::make_shared<prometheus::Registry>(), nullptr);

    // scoring
    scoring_db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*scoring_db_, scoring::ScoringMigrations()).ok());
    scoring_store_ = scoring::NewSqlScoringStore(scoring_db_.get());
    absl::StatusOr<std::vector<scoring::Framework>> versions = scoring::BuiltinFrameworks(catalog_);
    ASSERT_TRUE(versions.ok()) << versions.status();
    plan_reader_ = scoring::NewGrpcPlanReader(plan_server_->InProcessChannel());
    directory_ = scoring::NewGrpcDirectoryReader(assignment_server_->InProcessChannel());
    scoring_manager_ = std::make_unique<scoring::ScoringManager>(
        scoring_store_.get(), &catalog_, *std::move(versions), directory_.get(), plan_reader_.get(),
        &clock_, &scoring_ids_, nullptr);
    scoring_service_ = std::make_unique<scoring::ScoringServiceImpl>(scoring_manager_.get());
    options.service_name = "scoring";
    scoring_server_ = *Server::Start(
        options,
        {{chiso::scoring::v1::ScoringService::service_full_name(), scoring_service_.get()}},
        std::make_shared<prometheus::Registry>(), nullptr);

    // notification
    notification_db_ = *storage::OpenSqlite(":memory:");
    ASSERT_TRUE(storage::Migrate(*notification_db_, notification::NotificationMigrations()).ok());
    notification_store_ = std::make_unique<notification::NotificationStore>(
        notification_db_.get(), &notification_ids_, [this] { return clock_.Now(); });
    hub_ = std::make_unique<notification::DeliveryHub>(0);
    notification::InboxOptions inbox_options;
    inbox_options.cancel_poll = absl::Milliseconds(20);
    inbox_ = std::make_unique<notification::InboxManager>(notification_store_.get(), hub_.get(),
                                                          &clock_, nullptr, inbox_options);
    webhooks_ = std::make_unique<notification::WebhookManager>(notification_store_.get(),
                                                               notification::WebhookRules());
    operations_ = std::make_unique<notification::OperationsManager>(
        &queue_, notification_store_.get(), &lateness_, &calendar::WorkingCalendar::Builtin(),
        &clock_, nullptr);
    notification_service_ = std::make_unique<notification::NotificationServiceImpl>(
        inbox_.get(), webhooks_.get(), operations_.get());
    options.service_name = "notification";
    notification_server_ = *Server::Start(
        options, {{nv1::NotificationService::service_full_name(), notification_service_.get()}},
        std::make_shared<prometheus::Registry>(), nullptr);

    const gpb::DescriptorPool* pool = gpb::DescriptorPool::generated_pool();
    const std::vector<std::pair<std::string, Server*>> services = {
        {chiso::plan::v1::PlanService::service_full_name(), plan_server_.get()},
        {chiso::assignment::v1::AssignmentService::service_full_name(), assignment_server_.get()},
        {chiso::scoring::v1::ScoringService::service_full_name(), scoring_server_.get()},
        {nv1::NotificationService::service_full_name(), notification_server_.get()}};
    for (const auto& [name, server] : services) {
      const gpb::ServiceDescriptor* service = pool->FindServiceByName(name);
      ASSERT_NE(service, nullptr) << name;
      stubs_.push_back(std::make_unique<grpc::GenericStub>(server->InProcessChannel()));
      for (int i = 0; i < service->method_count(); ++i) {
        const gpb::MethodDescriptor* m = service->method(i);
        ASSERT_FALSE(m->client_streaming()) << m->full_name() << ": client streaming is not fuzzed";
        auto method = std::make_unique<Method>();
        method->service = service;
        method->method = m;
        method->path = absl::StrCat("/", service->full_name(), "/", m->name());
        method->key = absl::StrCat(service->name(), ".", m->name());
        method->stub = stubs_.back().get();
        auto it = Seeds().find(method->key);
        if (it != Seeds().end()) {
          for (const std::string& text : it->second) {
            std::unique_ptr<gpb::Message> seed = NewRequest(*method);
            EXPECT_TRUE(gpb::TextFormat::ParseFromString(text, seed.get()))
                << method->key << " seed: " << text;
            method->seeds.push_back(std::move(seed));
          }
        }
        methods_.push_back(std::move(method));
      }
    }
  }

  void TearDown() override {
    if (hub_ != nullptr) hub_->Shutdown();
    notification_server_.reset();
    scoring_server_.reset();
    assignment_server_.reset();
    plan_server_.reset();
    log::SetOutput(nullptr);
  }

  static std::unique_ptr<gpb::Message> NewRequest(const Method& m) {
    return std::unique_ptr<gpb::Message>(
        gpb::MessageFactory::generated_factory()->GetPrototype(m.method->input_type())->New());
  }
  static std::unique_ptr<gpb::Message> NewResponse(const Method& m) {
    return std::unique_ptr<gpb::Message>(
        gpb::MessageFactory::generated_factory()->GetPrototype(m.method->output_type())->New());
  }

  Method* Find(const std::string& key) {
    for (auto& m : methods_) {
      if (m->key == key) return m.get();
    }
    return nullptr;
  }

  // Calls `m` with `bytes`; a server-streaming method is read for at most
  // three messages or `stream_for`, then cancelled.
  Outcome Call(const Method& m, const std::string& bytes,
               absl::Duration stream_for = absl::Milliseconds(100)) {
    Outcome out;
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::ClientContext ctx;
    out.request_id = absl::StrCat("fuzz-", next_request_.fetch_add(1));
    ctx.AddMetadata("x-request-id", out.request_id);
    const absl::Time start = absl::Now();
    if (!m.method->server_streaming()) {
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      grpc::ByteBuffer response;
      absl::Notification done;
      m.stub->UnaryCall(&ctx, m.path, grpc::StubOptions(), &request, &response,
                        [&](grpc::Status s) {
                          out.status = std::move(s);
                          done.Notify();
                        });
      done.WaitForNotification();
      if (out.status.ok()) {
        out.response = ToString(response);
        out.has_response = true;
      }
    } else {
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(absl::ToInt64Milliseconds(stream_for)));
      grpc::CompletionQueue cq;
      auto next = [&cq] {
        void* tag = nullptr;
        bool ok = false;
        if (!cq.Next(&tag, &ok)) return false;
        return ok;
      };
      std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
          m.stub->PrepareCall(&ctx, m.path, &cq);
      call->StartCall(reinterpret_cast<void*>(1));
      if (next()) {
        call->Write(request, reinterpret_cast<void*>(2));
        if (next()) {
          call->WritesDone(reinterpret_cast<void*>(3));
          next();
        }
        bool ended = false;
        for (int i = 0; i < 3 && !ended; ++i) {
          grpc::ByteBuffer message;
          call->Read(&message, reinterpret_cast<void*>(4));
          ended = !next();
          if (!ended && !out.has_response) {
            out.response = ToString(message);
            out.has_response = true;
          }
        }
        // Cancelling a stream that ended would hide the status it ended with.
        if (!ended) ctx.TryCancel();
      } else {
        ctx.TryCancel();
      }
      call->Finish(&out.status, reinterpret_cast<void*>(5));
      next();
      cq.Shutdown();
      void* tag;
      bool ok;
      while (cq.Next(&tag, &ok)) {
      }
    }
    out.took = absl::Now() - start;
    return out;
  }

  // Adds the names of `message` (every string field "name") to the pool.
  static void Harvest(const gpb::Message& message, NamePool& pool) {
    const gpb::Reflection* r = message.GetReflection();
    // A task's lead unit, for progress reports the service will take.
    if (message.GetDescriptor()->full_name() == "chiso.assignment.v1.Task") {
      const auto& task = static_cast<const chiso::assignment::v1::Task&>(message);
      if (!task.name().empty() && !task.lead_unit().unit().empty()) {
        pool.Relate("lead", task.name(), task.lead_unit().unit());
      }
    }
    std::vector<const gpb::FieldDescriptor*> fields;
    r->ListFields(message, &fields);
    for (const gpb::FieldDescriptor* f : fields) {
      if (f->cpp_type() == gpb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated() &&
          f->name() == "name") {
        pool.Add(r->GetString(message, f));
      } else if (f->cpp_type() == gpb::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->is_repeated()) {
          for (int i = 0; i < r->FieldSize(message, f); ++i) {
            Harvest(r->GetRepeatedMessage(message, f, i), pool);
          }
        } else {
          Harvest(r->GetMessage(message, f), pool);
        }
      }
    }
  }

  // Sends `request` to `m`, records the code and checks it.
  // Names in answers go to `pool` (the shared one when null).
  void Send(Method& m, const gpb::Message& request, const char* how, NamePool* pool = nullptr) {
    std::string bytes;
    request.SerializeToString(&bytes);
    Outcome out = Call(m, bytes);
    const grpc::StatusCode code = out.status.error_code();
    absl::MutexLock lock(&stats_mu_);
    ++m.codes[code];
    const gpb::FieldDescriptor* validate_only =
        request.GetDescriptor()->FindFieldByName("validate_only");
    calls_[out.request_id] = {
        &m, code,
        validate_only != nullptr && request.GetReflection()->GetBool(request, validate_only)};
    const bool hung = !m.method->server_streaming() && code == grpc::StatusCode::DEADLINE_EXCEEDED;
    if (Forbidden(code) || hung) {
      ++m.failures;
      if (m.failures <= 3) {
        ADD_FAILURE() << m.key << " answered " << CodeName(code) << " ("
                      << out.status.error_message() << ") after " << out.took << " to a " << how
                      << " request of " << bytes.size() << " bytes:\n"
                      << Text(request);
      }
    }
    if (!out.status.ok() && std::string(how) == "seed") {
      ++m.seed_errors[out.status.error_message().substr(0, 160)];
    }
    if (out.has_response) {
      std::unique_ptr<gpb::Message> response = NewResponse(m);
      if (response->ParseFromString(out.response)) {
        Harvest(*response, pool == nullptr ? names_ : *pool);
      }
    }
  }

  // Puts notifications in the inboxes of units the assignment service knows,
  // and dead letters and pending reminders in the fake queue.
  void SeedNotifications() {
    std::vector<std::string> units = {"units/01hzzzzzzzzzzzzzzzzzzzzzzz"};
    if (names_.Of("units") != nullptr) units = *names_.Of("units");
    std::vector<nv1::Notification> built;
    for (int i = 0; i < 12; ++i) {
      nv1::Notification n;
      n.set_reminder_id(absl::StrCat("task/t", i, "/2024-04-30/due"));
      n.set_kind(nv1::NOTIFICATION_KIND_TASK_DUE);
      n.set_rule("due");
      n.set_plan(names_.Pick("plans", mutator_->rng()));
      n.set_task(names_.Pick("tasks", mutator_->rng()));
      nv1::Recipient* r = n.add_recipients();
      r->set_unit(units[static_cast<size_t>(i) % units.size()]);
      r->set_display_name("Đơn vị");
      r->set_role(nv1::RECIPIENT_ROLE_LEAD_UNIT);
      r->add_ancestors(units.front());
      nv1::Recipient* post = n.add_recipients();
      post->set_post("Phó Chủ tịch UBND huyện");
      post->set_display_name("Phó Chủ tịch UBND huyện");
      *n.mutable_fire_time() = civil::ToTimestamp(clock_.Now() - absl::Hours(24 * (i % 5)));
      n.set_title(absl::StrCat("Nhắc việc ", i));
      n.set_body("Nội dung");
      built.push_back(std::move(n));
    }
    absl::StatusOr<std::vector<notification::Delivered>> delivered =
        notification_store_->Deliver(built, nullptr);
    ASSERT_TRUE(delivered.ok()) << delivered.status();
    for (const notification::Delivered& d : *delivered) {
      hub_->Published(d.seq);
      names_.Add(d.notification.name());
    }
    const int64_t now_ms = absl::ToUnixMillis(clock_.Now());
    for (int i = 0; i < 8; ++i) {
      nv1::ReminderPayload payload;
      payload.set_reminder_id(absl::StrCat("task/d", i, "/2024-04-30/due"));
      payload.set_kind(nv1::NOTIFICATION_KIND_TASK_DUE);
      payload.set_rule("due");
      payload.set_task(names_.Pick("tasks", mutator_->rng()));
      payload.set_plan(names_.Pick("plans", mutator_->rng()));
      payload.set_fire_at_ms(now_ms - 3600000);
      *payload.add_recipients() = built[0].recipients(0);
      reminders::DeadLetter dead;
      dead.id = payload.reminder_id();
      dead.payload = i % 4 == 3 ? std::string("\xff\x01garbage") : payload.SerializeAsString();
      dead.attempts = 10;
      dead.last_error = "store failed";
      dead.dead_at_ms = now_ms - i * 1000;
      dead.fire_at_ms = now_ms - 3600000;
      queue_.dead.push_back(dead);
      reminders::PendingReminder pending;
      pending.id = absl::StrCat("plan/p", i, "/2024-05-10/report");
      pending.fire_at_ms = now_ms + i * 60000;
      pending.scheduled_fire_at_ms = pending.fire_at_ms;
      pending.payload = i % 4 == 3 ? std::string("\x0a\xff") : payload.SerializeAsString();
      queue_.pending.push_back(pending);
    }
  }

  // Pages through `list` (a List method) from an empty filter; returns every
  // item, and fails on a status, a repeated item or a page token loop.
  std::vector<std::unique_ptr<gpb::Message>> ListAll(Method& list, const std::string& parent,
                                                     int page_size = 1) {
    std::vector<std::unique_ptr<gpb::Message>> items;
    std::unique_ptr<gpb::Message> request = NewRequest(list);
    const gpb::Descriptor* in = list.method->input_type();
    const gpb::Reflection* rr = request->GetReflection();
    if (!parent.empty()) rr->SetString(request.get(), in->FindFieldByName("parent"), parent);
    if (const gpb::FieldDescriptor* size = in->FindFieldByName("page_size")) {
      rr->SetInt32(request.get(), size, page_size);  // 1: every item ends a page
    }
    const gpb::FieldDescriptor* token_field = in->FindFieldByName("page_token");
    std::set<std::string> tokens;
    std::set<std::string> seen;
    for (int page = 0; page < 10000; ++page) {
      Outcome out = Call(list, request->SerializeAsString());
      if (!out.status.ok()) {
        ADD_FAILURE() << list.key << " " << Text(*request)
                      << " after the run: " << CodeName(out.status.error_code()) << " "
                      << out.status.error_message();
        break;
      }
      std::unique_ptr<gpb::Message> response = NewResponse(list);
      EXPECT_TRUE(response->ParseFromString(out.response));
      const gpb::Descriptor* od = response->GetDescriptor();
      const gpb::Reflection* r = response->GetReflection();
      std::string next;
      for (int i = 0; i < od->field_count(); ++i) {
        const gpb::FieldDescriptor* f = od->field(i);
        if (f->is_repeated() && f->cpp_type() == gpb::FieldDescriptor::CPPTYPE_MESSAGE) {
          for (int j = 0; j < r->FieldSize(*response, f); ++j) {
            const gpb::Message& item = r->GetRepeatedMessage(*response, f, j);
            const gpb::FieldDescriptor* name = item.GetDescriptor()->FindFieldByName("name");
            if (name != nullptr) {
              const std::string n = item.GetReflection()->GetString(item, name);
              EXPECT_TRUE(seen.insert(n).second) << list.key << " lists " << n << " twice";
            }
            items.emplace_back(item.New());
            items.back()->CopyFrom(item);
          }
        } else if (f->name() == "next_page_token") {
          next = r->GetString(*response, f);
        }
      }
      if (next.empty() || token_field == nullptr) break;
      if (!tokens.insert(next).second) {
        ADD_FAILURE() << list.key << " returned the page token " << next << " twice";
        break;
      }
      rr->SetString(request.get(), token_field, next);
    }
    return items;
  }

  // Every listed item with a name can be fetched with its Get method, which
  // answers the same name and etag.
  void CheckGettable(const Method& list, const std::vector<std::unique_ptr<gpb::Message>>& items) {
    for (const auto& item : items) {
      const gpb::Descriptor* d = item->GetDescriptor();
      Method* get = Find(absl::StrCat(list.service->name(), ".Get", d->name()));
      const gpb::FieldDescriptor* name_field = d->FindFieldByName("name");
      if (get == nullptr || name_field == nullptr) continue;
      const std::string name = item->GetReflection()->GetString(*item, name_field);
      std::unique_ptr<gpb::Message> request = NewRequest(*get);
      const gpb::FieldDescriptor* req_name = request->GetDescriptor()->FindFieldByName("name");
      if (req_name == nullptr) continue;
      request->GetReflection()->SetString(request.get(), req_name, name);
      Outcome out = Call(*get, request->SerializeAsString());
      ++checked_gets_;
      if (!out.status.ok()) {
        ADD_FAILURE() << list.key << " lists " << name << " but " << get->key << " answers "
                      << CodeName(out.status.error_code()) << " " << out.status.error_message();
        continue;
      }
      std::unique_ptr<gpb::Message> got = NewResponse(*get);
      ASSERT_TRUE(got->ParseFromString(out.response));
      EXPECT_EQ(
          got->GetReflection()->GetString(*got, got->GetDescriptor()->FindFieldByName("name")),
          name);
      if (const gpb::FieldDescriptor* etag = d->FindFieldByName("etag")) {
        EXPECT_EQ(
            got->GetReflection()->GetString(*got, got->GetDescriptor()->FindFieldByName("etag")),
            item->GetReflection()->GetString(*item, etag))
            << name;
      }
    }
  }

  void CheckDatabase(const std::string& what, storage::Database& db) {
    absl::Status s = db.Read([&](storage::Tx& tx) -> absl::Status {
      absl::StatusOr<std::vector<storage::Row>> integrity = tx.Query("PRAGMA integrity_check");
      if (!integrity.ok()) return integrity.status();
      EXPECT_EQ(integrity->size(), 1u) << what;
      if (!integrity->empty()) {
        EXPECT_EQ(integrity->front().Text(0), "ok") << what;
      }
      absl::StatusOr<std::vector<storage::Row>> fk = tx.Query("PRAGMA foreign_key_check");
      if (!fk.ok()) return fk.status();
      for (const storage::Row& row : *fk) {
        ADD_FAILURE() << what << ": foreign key violation in table " << row.Text(0) << " rowid "
                      << row.Int(1) << " → " << row.Text(2);
      }
      return absl::OkStatus();
    });
    EXPECT_TRUE(s.ok()) << what << ": " << s;
  }

  // Every change made through the API left exactly one audit event, and
  // nothing else did: each event names a call that succeeded (by the request
  // id every call sent) and that call's method; no call has two events; and
  // every successful call of a method that always changes something has one.
  void CheckAuditTrail() {
    std::map<std::string, int> events_by_request;
    int events = 0;
    for (auto& m : methods_) {
      if (m->method->name() != "ListAuditEvents") continue;
      for (const auto& event : ListAll(*m, "", 1000)) {
        const gpb::Reflection* r = event->GetReflection();
        const gpb::Descriptor* d = event->GetDescriptor();
        const std::string rpc = r->GetString(*event, d->FindFieldByName("rpc"));
        const std::string request_id = r->GetString(*event, d->FindFieldByName("request_id"));
        ++events;
        ++events_by_request[request_id];
        auto call = calls_.find(request_id);
        if (call == calls_.end()) {
          ADD_FAILURE() << m->key << ": event " << rpc << " for request " << request_id
                        << ", which no call sent";
          continue;
        }
        EXPECT_EQ(call->second.code, grpc::StatusCode::OK)
            << rpc << " recorded for a call that answered " << CodeName(call->second.code);
        EXPECT_EQ(rpc, call->second.method->path.substr(1))
            << "the event of request " << request_id << " names another method";
      }
    }
    int changes = 0;
    for (const auto& [request_id, call] : calls_) {
      auto n = events_by_request.find(request_id);
      if (n != events_by_request.end()) {
        EXPECT_EQ(n->second, 1) << call.method->key << " request " << request_id << " has "
                                << n->second << " audit events";
      }
      if (call.code != grpc::StatusCode::OK || call.validate_only ||
          !AlwaysChanges(call.method->method->name())) {
        continue;
      }
      ++changes;
      EXPECT_NE(n, events_by_request.end())
          << call.method->key << " request " << request_id << " succeeded without an audit event";
    }
    EXPECT_GE(changes, 100) << "too few changes to say anything about the audit trail";
    std::cout << "rpcfuzz: " << events << " audit events; " << changes
              << " successful calls that always change something each have one\n";
  }

  // Methods whose success always changes stored data, unless the request
  // asked only to validate (others may succeed without a change: repeated
  // reports, marking read what was read).
  static bool AlwaysChanges(const std::string& method) {
    for (const char* prefix : {"Create", "Update", "Delete"}) {
      if (method.rfind(prefix, 0) == 0) return true;
    }
    for (const char* name : {"IssuePlan", "ClosePlan", "CancelTask", "ReopenTask", "EndUnit",
                             "MergeUnit", "RetryDeadLetter"}) {
      if (method == name) return true;
    }
    return false;
  }

  void PrintSummary(absl::Duration took) {
    std::map<int, int> total;
    std::ostringstream table;
    for (const auto& m : methods_) {
      table << absl::StrFormat("  %-44s", m->key);
      for (const auto& [code, n] : m->codes) {
        table << " " << CodeName(code) << "=" << n;
        total[code] += n;
      }
      table << "\n";
      for (const auto& [message, n] : m->seed_errors) {
        table << "      seed refused " << n << "x: " << message << "\n";
      }
    }
    int calls = 0;
    for (const auto& [code, n] : total) calls += n;
    std::cout << "rpcfuzz: " << calls << " calls to " << methods_.size() << " methods";
    if (took > absl::ZeroDuration()) std::cout << " in " << took;
    std::cout << "\n  codes:";
    for (const auto& [code, n] : total) std::cout << " " << CodeName(code) << "=" << n;
    std::cout << "\n";
    if (Verbose()) std::cout << table.str();
  }

  NullBuffer null_buffer_;
  std::ostream null_log_{&null_buffer_};
  Catalog catalog_ = *Catalog::Builtin();
  civil::FakeClock clock_;
  IdGenerator plan_ids_, assignment_ids_, scoring_ids_, notification_ids_;

  std::unique_ptr<storage::Database> plan_db_;
  std::unique_ptr<plan::PlanStore> plan_store_;
  std::unique_ptr<plan::PlanManager> plan_manager_;
  std::unique_ptr<plan::PlanServiceImpl> plan_service_;
  std::unique_ptr<Server> plan_server_;

  std::unique_ptr<storage::Database> assignment_db_;
  std::unique_ptr<assignment::AssignmentStore> assignment_store_;
  std::unique_ptr<assignment::PlanClient> plan_client_;
  std::unique_ptr<assignment::UnitManager> units_;
  std::unique_ptr<assignment::TaskManager> tasks_;
  std::unique_ptr<assignment::AssignmentServiceImpl> assignment_service_;
  std::unique_ptr<Server> assignment_server_;

  std::unique_ptr<storage::Database> scoring_db_;
  std::unique_ptr<scoring::ScoringStore> scoring_store_;
  std::unique_ptr<scoring::PlanReader> plan_reader_;
  std::unique_ptr<scoring::DirectoryReader> directory_;
  std::unique_ptr<scoring::ScoringManager> scoring_manager_;
  std::unique_ptr<scoring::ScoringServiceImpl> scoring_service_;
  std::unique_ptr<Server> scoring_server_;

  std::unique_ptr<storage::Database> notification_db_;
  std::unique_ptr<notification::NotificationStore> notification_store_;
  std::unique_ptr<notification::DeliveryHub> hub_;
  std::unique_ptr<notification::InboxManager> inbox_;
  std::unique_ptr<notification::WebhookManager> webhooks_;
  std::unique_ptr<notification::OperationsManager> operations_;
  notification::testing::FakeQueueAdmin queue_;
  notification::LatenessWindow lateness_;
  std::unique_ptr<notification::NotificationServiceImpl> notification_service_;
  std::unique_ptr<Server> notification_server_;

  std::vector<std::unique_ptr<grpc::GenericStub>> stubs_;
  std::vector<std::unique_ptr<Method>> methods_;
  NamePool names_;
  std::unique_ptr<MessageMutator> mutator_;
  absl::Mutex stats_mu_;
  int checked_gets_ = 0;
  struct Sent {
    Method* method;
    grpc::StatusCode code;
    bool validate_only;  // the request asked only to validate: nothing changes
  };
  std::map<std::string, Sent> calls_;  // by request id
  std::atomic<int64_t> next_request_{1};
};

TEST_F(RpcFuzz, EveryMethodOfEveryServiceSurvivesMutatedRequests) {
  const int iterations = EnvInt("CHISO_RPCFUZZ_ITERATIONS", 400);
  const uint64_t seed = EnvU64("CHISO_RPCFUZZ_SEED", 20240502);
  std::cout << "rpcfuzz: seed " << seed << ", " << iterations
            << " rounds (CHISO_RPCFUZZ_SEED, CHISO_RPCFUZZ_ITERATIONS)\n";
  mutator_ = std::make_unique<MessageMutator>(seed, &names_);
  const absl::Time start = absl::Now();

  // Warm up: the valid requests of the methods that create, in the order of
  // the contracts, three times, so later requests have names to aim at.
  for (int round = 0; round < 3; ++round) {
    for (auto& m : methods_) {
      const std::string& name = m->method->name();
      if (name.rfind("Create", 0) != 0 && name.rfind("Import", 0) != 0 && name != "IssuePlan" &&
          name != "ReportProgress") {
        continue;
      }
      for (const auto& seed_request : m->seeds) {
        std::unique_ptr<gpb::Message> request(seed_request->New());
        request->CopyFrom(*seed_request);
        mutator_->ResolvePlaceholders(request.get());
        Send(*m, *request, "seed");
      }
    }
  }
  SeedNotifications();

  for (int round = 0; round < iterations; ++round) {
    for (auto& m : methods_) {
      // A stream costs its deadline: one round in four.
      if (m->method->server_streaming() && round % 4 != 0) continue;
      std::unique_ptr<gpb::Message> request = NewRequest(*m);
      const int64_t dice = static_cast<int64_t>(mutator_->rng()() % 100);
      const char* how;
      if (!m->seeds.empty() && dice < 25) {
        request->CopyFrom(*m->seeds[mutator_->rng()() % m->seeds.size()]);
        mutator_->ResolvePlaceholders(request.get());
        how = "seed";
      } else if (!m->seeds.empty() && dice < 85) {
        request->CopyFrom(*m->seeds[mutator_->rng()() % m->seeds.size()]);
        mutator_->ResolvePlaceholders(request.get());
        mutator_->Mutate(request.get());
        how = "mutated seed";
      } else {
        mutator_->Randomize(request.get());
        how = "random";
      }
      Send(*m, *request, how);
    }
    // Let time pass (deadlines come due, tasks become overdue), a week
    // every ten rounds.
    if (round % 10 == 9) clock_.Advance(absl::Hours(24 * 7));
  }

  // Concurrent writers: four clients at once, valid and mutated requests to
  // every unary method but those reading the fake queue (which is not
  // thread-safe; Redis is). Races must end in a precise status too (ABORTED,
  // ALREADY_EXISTS, FAILED_PRECONDITION…), and leave the data whole.
  const int per_thread = EnvInt("CHISO_RPCFUZZ_CONCURRENT_CALLS", iterations * 3);
  std::vector<Method*> concurrent;
  for (auto& m : methods_) {
    const std::string& name = m->method->name();
    if (m->method->server_streaming() || name == "GetQueueStats" || name == "ListDeadLetters" ||
        name == "RetryDeadLetter" || name == "ListPendingReminders") {
      continue;
    }
    concurrent.push_back(m.get());
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t, seed, per_thread, &concurrent] {
      NamePool pool = names_;
      MessageMutator mutator(seed + 1 + static_cast<uint64_t>(t), &pool);
      for (int i = 0; i < per_thread; ++i) {
        Method& m = *concurrent[mutator.rng()() % concurrent.size()];
        std::unique_ptr<gpb::Message> request = NewRequest(m);
        if (m.seeds.empty()) {
          mutator.Randomize(request.get());
        } else {
          request->CopyFrom(*m.seeds[mutator.rng()() % m.seeds.size()]);
          mutator.ResolvePlaceholders(request.get());
          if (mutator.rng()() % 3 == 0) mutator.Mutate(request.get());
        }
        Send(m, *request, "concurrent", &pool);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  PrintSummary(absl::Now() - start);

  // Whatever was sent, what is stored is still whole.
  for (auto& m : methods_) {
    const gpb::Descriptor* in = m->method->input_type();
    if (m->method->name().rfind("List", 0) != 0 || in->FindFieldByName("page_token") == nullptr ||
        m->method->name() == "ListAuditEvents") {
      continue;
    }
    if (in->FindFieldByName("parent") != nullptr) {
      // Children of every task (ListProgressReports).
      Method* tasks = Find(absl::StrCat(m->service->name(), ".ListTasks"));
      ASSERT_NE(tasks, nullptr);
      for (const auto& task : ListAll(*tasks, "")) {
        const std::string parent =
            task->GetReflection()->GetString(*task, task->GetDescriptor()->FindFieldByName("name"));
        CheckGettable(*m, ListAll(*m, parent));
      }
      continue;
    }
    CheckGettable(*m, ListAll(*m, ""));
  }
  std::cout << "rpcfuzz: " << checked_gets_ << " listed resources fetched again\n";
  CheckDatabase("plan", *plan_db_);
  CheckDatabase("assignment", *assignment_db_);
  CheckDatabase("scoring", *scoring_db_);
  CheckDatabase("notification", *notification_db_);
  CheckAuditTrail();
}

// Bytes that are not a request: gRPC hands them to the service's parser,
// which fails; chiso's interceptor answers INVALID_ARGUMENT instead of
// gRPC's bare INTERNAL. Random bytes may also parse (as unknown fields), and
// then the request is an ordinary one. Never INTERNAL, UNKNOWN or DATA_LOSS.
TEST_F(RpcFuzz, BytesThatAreNotARequestAreRefusedByEveryMethod) {
  const uint64_t seed = EnvU64("CHISO_RPCFUZZ_SEED", 20240502);
  std::mt19937_64 rng(seed);
  const std::vector<std::string> fixed = {
      std::string("\x0a\x03\xff\xfe\xfd", 5),                           // field 1, invalid UTF-8
      std::string("\x08\xff", 2),                                       // truncated varint
      std::string("\x0a\xff\xff\xff\xff\x0f", 6),                       // length beyond the end
      std::string("\x00", 1),                                           // field number 0
      std::string("\x0c", 1),                                           // end group without a start
      std::string(100000, '\x0b'),                                      // groups nested 100000 deep
      std::string("\x0a\x80\x80\x80\x80\x80\x80\x80\x80\x80\x01", 11),  // 10-byte varint
      std::string("\xff\xff\xff\xff\x0f\x00", 6),  // field number beyond the limit
  };
  int parse_refusals = 0;
  int calls = 0;
  for (auto& m : methods_) {
    std::vector<std::string> inputs = fixed;
    for (int i = 0; i < 20; ++i) {
      std::string bytes(rng() % 512 + 1, '\0');
      for (char& c : bytes) c = static_cast<char>(rng() & 0xFF);
      inputs.push_back(bytes);
    }
    for (const std::string& bytes : inputs) {
      Outcome out = Call(*m, bytes, absl::Milliseconds(50));
      ++calls;
      ++m->codes[out.status.error_code()];
      EXPECT_FALSE(Forbidden(out.status.error_code()))
          << m->key << " answered " << CodeName(out.status.error_code()) << " ("
          << out.status.error_message() << ") to " << bytes.size() << " bytes not a request";
      if (out.status.error_code() == grpc::StatusCode::INVALID_ARGUMENT &&
          out.status.error_message().find("not a valid protobuf message") != std::string::npos) {
        ++parse_refusals;
      }
    }
  }
  // The fixed inputs can never parse.
  EXPECT_GE(parse_refusals, static_cast<int>(methods_.size()) * 5);
  // A request over the receive limit is refused by gRPC itself.
  for (const char* key : {"PlanService.CreatePlan", "AssignmentService.CreateUnit",
                          "ScoringService.ImportResults", "NotificationService.CreateWebhook"}) {
    Method* m = Find(key);
    ASSERT_NE(m, nullptr) << key;
    Outcome out = Call(*m, std::string(5 << 20, 'x'));
    EXPECT_EQ(out.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << key << ": " << out.status.error_message();
  }
  std::cout << "rpcfuzz: " << calls << " calls with bytes not a request, " << parse_refusals
            << " refused as unparsable\n";
  PrintSummary(absl::ZeroDuration());
}

// The mutator itself: deterministic for a seed, and its messages stay under
// the 4 MiB receive limit.
TEST(RpcFuzzMutator, IsDeterministicAndStaysUnderTheReceiveLimit) {
  // Strings that are not UTF-8 make protobuf log an error on serializing.
  NullBuffer null_buffer;
  std::ostream null_log(&null_buffer);
  log::SetOutput(&null_log);
  const gpb::DescriptorPool* pool = gpb::DescriptorPool::generated_pool();
  NamePool names;
  names.Add("plans/01hzzzzzzzzzzzzzzzzzzzzzzz");
  names.Add("tasks/01hzzzzzzzzzzzzzzzzzzzzzzz/progressReports/01hzzzzzzzzzzzzzzzzzzzzzzy");
  EXPECT_EQ(NamePool::CollectionOf("tasks/a/progressReports/b"), "progressReports");
  EXPECT_EQ(NamePool::CollectionOf("plans/"), "");
  EXPECT_EQ(NamePool::CollectionOf("Sở A"), "");
  MessageMutator a(7, &names), b(7, &names);
  size_t largest = 0;
  for (const char* service :
       {"chiso.plan.v1.PlanService", "chiso.assignment.v1.AssignmentService",
        "chiso.scoring.v1.ScoringService", "chiso.notification.v1.NotificationService"}) {
    const gpb::ServiceDescriptor* s = pool->FindServiceByName(service);
    ASSERT_NE(s, nullptr);
    for (int i = 0; i < s->method_count(); ++i) {
      const gpb::Message* prototype =
          gpb::MessageFactory::generated_factory()->GetPrototype(s->method(i)->input_type());
      for (int k = 0; k < 30; ++k) {
        std::unique_ptr<gpb::Message> x(prototype->New()), y(prototype->New());
        a.Randomize(x.get());
        b.Randomize(y.get());
        a.Mutate(x.get());
        b.Mutate(y.get());
        const std::string xs = x->SerializeAsString();
        EXPECT_EQ(xs, y->SerializeAsString());
        largest = std::max(largest, xs.size());
      }
    }
  }
  EXPECT_LT(largest, size_t{4} << 20);
  log::SetOutput(nullptr);
}

}  // namespace
}  // namespace chiso::rpcfuzz
