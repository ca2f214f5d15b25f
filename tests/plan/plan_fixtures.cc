#include "tests/plan/plan_fixtures.h"

namespace chiso::plan::testing {
namespace {

using chiso::common::v1::Comparator;
using chiso::common::v1::Measure;
using chiso::plan::v1::Objective;
using chiso::plan::v1::Plan;

void AddComponent(Plan& plan, const std::string& component, const std::string& base, int rank,
                  const std::string& target) {
  Objective* o = plan.add_objectives();
  o->set_framework("DDCI");
  o->set_component(component);
  o->set_measure(Measure::MEASURE_SCORE);
  o->mutable_baseline()->set_year(2019);
  o->mutable_baseline()->mutable_value()->set_value(base);
  o->mutable_baseline()->set_rank(rank);
  o->mutable_baseline()->set_rank_of(23);
  o->mutable_target()->set_year(2020);
  o->mutable_target()->set_comparator(Comparator::COMPARATOR_ABOVE);
  o->mutable_target()->mutable_value()->set_value(target);
  o->set_description("Chỉ tiêu năm 2020: đạt trên " + target + " điểm");
}

}  // namespace

Plan DepartmentDdciPlan() {
  Plan plan;
  plan.set_number("60 /KH-STNMT");
  plan.set_title("Nâng cao chỉ số DDCI của Sở Tài nguyên và Môi trường năm 2020");
  plan.mutable_issuer()->set_display_name("Sở Tài nguyên và Môi trường");
  plan.mutable_issued_on()->set_year(2020);
  plan.mutable_issued_on()->set_month(6);
  plan.mutable_issued_on()->set_day(11);
  plan.set_place("Lạng Sơn");
  plan.mutable_signer()->set_full_name("Nguyễn Văn Minh");
  plan.mutable_signer()->set_post("GIÁM ĐỐC");
  auto* parent = plan.add_parent_plans();
  parent->set_number("40/KH-UBND");
  parent->mutable_issued_on()->set_year(2020);
  parent->mutable_issued_on()->set_month(3);
  parent->mutable_issued_on()->set_day(7);
  parent->mutable_issuer()->set_display_name("UBND tỉnh");
  plan.mutable_period()->set_start_year(2020);
  plan.mutable_period()->set_end_year(2020);
  AddComponent(plan, "TRANSPARENCY", "6,77", 16, "7,80");
  AddComponent(plan, "TIME_COSTS", "6.83", 18, "7.70");
  AddComponent(plan, "INFORMAL_CHARGES", "5.53", 16, "6.50");
  AddComponent(plan, "EQUAL_COMPETITION", "2.65", 23, "6.0");
  AddComponent(plan, "BUSINESS_SUPPORT", "4.50", 20, "7.5");
  AddComponent(plan, "LEGAL_INSTITUTIONS", "6.78", 14, "7.0");
  AddComponent(plan, "LEADERSHIP", "4.69", 14, "6.3");
  AddComponent(plan, "DYNAMISM", "6.26", 10, "7.4");
  Objective* rank = plan.add_objectives();
  rank->set_framework("DDCI");
  rank->set_measure(Measure::MEASURE_RANK);
  rank->mutable_baseline()->set_year(2019);
  rank->mutable_baseline()->set_rank(20);
  rank->mutable_baseline()->set_rank_of(23);
  rank->mutable_target()->set_year(2020);
  rank->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_MOST);
  rank->mutable_target()->mutable_value()->set_value("10");
  rank->set_description("Phấn đấu vào vị trí xếp hạng trong top 10");
  Objective* total = plan.add_objectives();
  total->set_framework("DDCI");
  total->set_measure(Measure::MEASURE_SCORE);
  total->mutable_target()->set_year(2020);
  total->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_LEAST);
  total->mutable_target()->mutable_value()->set_value("70");
  total->set_description("Điểm số DDCI năm 2020 đạt từ 70 điểm trở lên");
  auto* monthly = plan.add_reporting_rules();
  monthly->set_frequency(chiso::common::v1::Frequency::FREQUENCY_MONTHLY);
  monthly->set_phrase("định kỳ báo cáo kết quả thực hiện hàng tháng");
  auto* yearly = plan.add_reporting_rules();
  yearly->set_frequency(chiso::common::v1::Frequency::FREQUENCY_ONCE);
  yearly->mutable_due_date()->set_year(2020);
  yearly->mutable_due_date()->set_month(12);
  yearly->mutable_due_date()->set_day(15);
  yearly->set_phrase("Báo cáo kết quả thực hiện năm 2020 trước ngày 15/12");
  plan.add_recipients("UBND tỉnh (B/c)");
  plan.add_recipients("Sở Kế hoạch và Đầu tư");
  return plan;
}

Plan MinimalDraft(const std::string& issuer) {
  Plan plan;
  plan.set_title("Cải thiện chỉ số DDCI năm 2024");
  plan.mutable_issuer()->set_display_name(issuer);
  Objective* o = plan.add_objectives();
  o->set_framework("DDCI");
  o->set_component("LAND_ACCESS");
  o->mutable_target()->set_year(2024);
  o->mutable_target()->set_comparator(Comparator::COMPARATOR_AT_LEAST);
  o->mutable_target()->mutable_value()->set_value("5,78");
  return plan;
}

}  // namespace chiso::plan::testing
