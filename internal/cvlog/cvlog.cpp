#include <opencv2/core/utils/logger.hpp>
#include "cvlog.h"

void livecam_cv_set_log_level(int level) {
	cv::utils::logging::setLogLevel(static_cast<cv::utils::logging::LogLevel>(level));
}

int livecam_cv_log_level(void) {
	return static_cast<int>(cv::utils::logging::getLogLevel());
}
